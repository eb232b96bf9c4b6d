using Npgsql;
using Sessions.Sdk.Testing;

namespace Sessions.Sdk.Tests;

/// <summary>Runs the search conformance suite against the PostgreSQL full-text index, in a schema of its own.</summary>
[TestFixture]
[Category("Integration")]
public sealed class PostgreSqlSessionSearchConformanceTests : SessionSearchConformanceTests
{
    private NpgsqlDataSource? _dataSource;
    private PostgreSqlSessionStorage? _shared;
    private string _schema = string.Empty;

    [OneTimeSetUp]
    public void CreateSchema()
    {
        _dataSource = PostgreSqlTestDatabase.CreateDataSource();
        _schema = PostgreSqlTestDatabase.NewSchemaName("search");
        _shared = PostgreSqlTestDatabase.CreateStorage(_dataSource, _schema);
    }

    [OneTimeTearDown]
    public async Task DropSchema()
    {
        if (_shared is not null) await _shared.DisposeAsync();
        if (_dataSource is not null)
        {
            await PostgreSqlTestDatabase.DropSchemaAsync(_dataSource, _schema);
            await _dataSource.DisposeAsync();
        }
    }

    protected override ValueTask<ISessionStorage> CreateStorageAsync() => ValueTask.FromResult<ISessionStorage>(_shared!);

    protected override ValueTask DisposeStorageAsync(ISessionStorage storage) =>
        ReferenceEquals(storage, _shared) ? ValueTask.CompletedTask : base.DisposeStorageAsync(storage);
}

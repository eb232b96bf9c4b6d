using Npgsql;
using Sessions.Sdk.Testing;

namespace Sessions.Sdk.Tests;

/// <summary>Runs the trash conformance suite against a real PostgreSQL server, in a schema of its own.</summary>
[TestFixture]
[Category("Integration")]
public sealed class PostgreSqlSessionTrashConformanceTests : SessionTrashConformanceTests
{
    private NpgsqlDataSource? _dataSource;
    private PostgreSqlSessionStorage? _shared;
    private string _schema = string.Empty;

    [OneTimeSetUp]
    public void CreateSchema()
    {
        _dataSource = PostgreSqlTestDatabase.CreateDataSource();
        _schema = PostgreSqlTestDatabase.NewSchemaName("trash");
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

    protected override ValueTask<ISessionStorage?> CreateStorageAsync(TimeProvider timeProvider) =>
        ValueTask.FromResult<ISessionStorage?>(PostgreSqlTestDatabase.CreateStorage(_dataSource!, _schema, timeProvider));

    /// <summary>Opens the same schema through a new data source (its own connection pool), as another process would.</summary>
    protected override ValueTask<ISessionStorage> ReopenStorageAsync(ISessionStorage storage) =>
        ValueTask.FromResult<ISessionStorage>(new PostgreSqlSessionStorage(
            NpgsqlDataSource.Create(PostgreSqlTestDatabase.RequireConnectionString()), ownsDataSource: true, new PostgreSqlStorageOptions { SchemaName = _schema }));

    protected override ValueTask DisposeStorageAsync(ISessionStorage storage) =>
        ReferenceEquals(storage, _shared) ? ValueTask.CompletedTask : base.DisposeStorageAsync(storage);
}

/// <summary>Runs the statistics conformance suite against a real PostgreSQL server.</summary>
[TestFixture]
[Category("Integration")]
public sealed class PostgreSqlSessionStatisticsConformanceTests : SessionStatisticsConformanceTests
{
    private NpgsqlDataSource? _dataSource;
    private PostgreSqlSessionStorage? _shared;
    private string _schema = string.Empty;

    [OneTimeSetUp]
    public void CreateSchema()
    {
        _dataSource = PostgreSqlTestDatabase.CreateDataSource();
        _schema = PostgreSqlTestDatabase.NewSchemaName("stats");
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

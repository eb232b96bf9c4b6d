using Sessions.Sdk.Testing;

namespace Sessions.Sdk.Tests;

/// <summary>Runs the storage conformance suite against a real PostgreSQL server, in a schema of its own.</summary>
[TestFixture]
[Category("Integration")]
public sealed class PostgreSqlSessionStorageConformanceTests : SessionStorageConformanceTests
{
    private readonly PostgreSqlSchemaFixture _schema = new("conf");

    [OneTimeSetUp]
    public void CreateSchema() => _schema.Create();

    [OneTimeTearDown]
    public Task DropSchema() => _schema.DropAsync();

    protected override ValueTask<ISessionStorage> CreateStorageAsync() => _schema.SharedAsync();

    protected override ValueTask<ISessionStorage?> CreateStorageAsync(TimeProvider timeProvider) => _schema.WithClockAsync(timeProvider);

    /// <summary>Opens the same schema through a new data source (its own connection pool), as another process would.</summary>
    protected override ValueTask<ISessionStorage> ReopenStorageAsync(ISessionStorage storage) => _schema.ReopenAsync();

    protected override ValueTask DisposeStorageAsync(ISessionStorage storage) =>
        _schema.IsShared(storage) ? ValueTask.CompletedTask : base.DisposeStorageAsync(storage);
}

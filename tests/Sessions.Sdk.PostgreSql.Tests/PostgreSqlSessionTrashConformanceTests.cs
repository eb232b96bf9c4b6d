using Sessions.Sdk.Testing;

namespace Sessions.Sdk.Tests;

/// <summary>Runs the trash conformance suite against a real PostgreSQL server, in a schema of its own.</summary>
[TestFixture]
[Category("Integration")]
public sealed class PostgreSqlSessionTrashConformanceTests : SessionTrashConformanceTests
{
    private readonly PostgreSqlSchemaFixture _schema = new("trash");

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

/// <summary>Runs the statistics conformance suite against a real PostgreSQL server.</summary>
[TestFixture]
[Category("Integration")]
public sealed class PostgreSqlSessionStatisticsConformanceTests : SessionStatisticsConformanceTests
{
    private readonly PostgreSqlSchemaFixture _schema = new("stats");

    [OneTimeSetUp]
    public void CreateSchema() => _schema.Create();

    [OneTimeTearDown]
    public Task DropSchema() => _schema.DropAsync();

    protected override ValueTask<ISessionStorage> CreateStorageAsync() => _schema.SharedAsync();

    protected override ValueTask DisposeStorageAsync(ISessionStorage storage) =>
        _schema.IsShared(storage) ? ValueTask.CompletedTask : base.DisposeStorageAsync(storage);
}

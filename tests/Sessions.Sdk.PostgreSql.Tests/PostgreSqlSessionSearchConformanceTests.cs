using Sessions.Sdk.Testing;

namespace Sessions.Sdk.Tests;

/// <summary>Runs the search conformance suite against the PostgreSQL full-text index, in a schema of its own.</summary>
[TestFixture]
[Category("Integration")]
public sealed class PostgreSqlSessionSearchConformanceTests : SessionSearchConformanceTests
{
    private readonly PostgreSqlSchemaFixture _schema = new("search");

    [OneTimeSetUp]
    public void CreateSchema() => _schema.Create();

    [OneTimeTearDown]
    public Task DropSchema() => _schema.DropAsync();

    protected override ValueTask<ISessionStorage> CreateStorageAsync() => _schema.SharedAsync();

    protected override ValueTask DisposeStorageAsync(ISessionStorage storage) =>
        _schema.IsShared(storage) ? ValueTask.CompletedTask : base.DisposeStorageAsync(storage);
}

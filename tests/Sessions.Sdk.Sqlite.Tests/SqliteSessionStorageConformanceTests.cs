using Sessions.Sdk.Testing;

namespace Sessions.Sdk.Tests;

/// <summary>Runs the shared storage conformance suite against the SQLite store (a real database file per test).</summary>
[TestFixture]
public sealed class SqliteSessionStorageConformanceTests : SessionStorageConformanceTests
{
    private SqliteTestDatabase? _database;
    private int _files;

    [OneTimeSetUp]
    public void CreateDirectory() => _database = new SqliteTestDatabase();

    [OneTimeTearDown]
    public void DeleteDirectory() => _database?.Dispose();

    /// <inheritdoc/>
    protected override ValueTask<ISessionStorage> CreateStorageAsync() =>
        ValueTask.FromResult<ISessionStorage>(_database!.CreateStore(NextConnectionString()));

    /// <inheritdoc/>
    protected override ValueTask<ISessionStorage?> CreateStorageAsync(TimeProvider timeProvider) =>
        ValueTask.FromResult<ISessionStorage?>(_database!.CreateStore(NextConnectionString(), timeProvider));

    private string NextConnectionString() => _database!.ConnectionStringFor($"conformance-{Interlocked.Increment(ref _files)}.db");
}

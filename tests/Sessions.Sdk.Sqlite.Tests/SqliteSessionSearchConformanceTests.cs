using Sessions.Sdk.Testing;

namespace Sessions.Sdk.Tests;

/// <summary>Runs the shared search conformance suite against the SQLite store's FTS5 search (a real database file per test).</summary>
[TestFixture]
public sealed class SqliteSessionSearchConformanceTests : SessionSearchConformanceTests
{
    private SqliteTestDatabase? _database;
    private int _files;

    [OneTimeSetUp]
    public void CreateDirectory() => _database = new SqliteTestDatabase();

    [OneTimeTearDown]
    public void DeleteDirectory() => _database?.Dispose();

    /// <inheritdoc/>
    protected override ValueTask<ISessionStorage> CreateStorageAsync() =>
        ValueTask.FromResult<ISessionStorage>(_database!.CreateStore(_database.ConnectionStringFor($"search-{Interlocked.Increment(ref _files)}.db")));
}

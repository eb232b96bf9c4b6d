using Sessions.Sdk.Testing;

namespace Sessions.Sdk.Tests;

/// <summary>Runs the trash conformance suite against the SQLite store (a real database file per test).</summary>
[TestFixture]
public sealed class SqliteSessionTrashConformanceTests : SessionTrashConformanceTests
{
    private SqliteTestDatabase? _database;
    private int _files;

    [OneTimeSetUp]
    public void CreateDirectory() => _database = new SqliteTestDatabase();

    [OneTimeTearDown]
    public void DeleteDirectory() => _database?.Dispose();

    private string _last = string.Empty;

    protected override ValueTask<ISessionStorage> CreateStorageAsync() =>
        ValueTask.FromResult<ISessionStorage>(_database!.CreateStore(NextConnectionString()));

    protected override ValueTask<ISessionStorage?> CreateStorageAsync(TimeProvider timeProvider) =>
        ValueTask.FromResult<ISessionStorage?>(_database!.CreateStore(NextConnectionString(), timeProvider));

    /// <summary>A second store over the same database file, as another process would open it.</summary>
    protected override ValueTask<ISessionStorage> ReopenStorageAsync(ISessionStorage storage) =>
        ValueTask.FromResult<ISessionStorage>(_database!.CreateStore(_last));

    private string NextConnectionString() => _last = _database!.ConnectionStringFor($"trash-{Interlocked.Increment(ref _files)}.db");
}

/// <summary>Runs the statistics conformance suite against the SQLite store.</summary>
[TestFixture]
public sealed class SqliteSessionStatisticsConformanceTests : SessionStatisticsConformanceTests
{
    private SqliteTestDatabase? _database;
    private int _files;

    [OneTimeSetUp]
    public void CreateDirectory() => _database = new SqliteTestDatabase();

    [OneTimeTearDown]
    public void DeleteDirectory() => _database?.Dispose();

    protected override ValueTask<ISessionStorage> CreateStorageAsync() =>
        ValueTask.FromResult<ISessionStorage>(_database!.CreateStore(_database.ConnectionStringFor($"stats-{Interlocked.Increment(ref _files)}.db")));
}

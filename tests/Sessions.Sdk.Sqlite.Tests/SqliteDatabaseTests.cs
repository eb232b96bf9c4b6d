namespace Sessions.Sdk.Tests;

/// <summary>The base of test classes that work on a fresh SQLite database file per test (created before each test, deleted
/// with every store opened on it after).</summary>
public abstract class SqliteDatabaseTests
{
    /// <summary>Gets the current test's database.</summary>
    private protected SqliteTestDatabase Database { get; private set; } = null!;

    [SetUp]
    public void CreateDatabase() => Database = new SqliteTestDatabase();

    [TearDown]
    public void DeleteDatabase() => Database.Dispose();
}

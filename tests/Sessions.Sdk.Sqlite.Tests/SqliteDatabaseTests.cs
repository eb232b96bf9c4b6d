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

    /// <summary>Reads the schema versions recorded in the current database, in order.</summary>
    private protected List<long> Versions()
    {
        using var raw = Database.OpenRaw();
        using var command = raw.CreateCommand();
        command.CommandText = $"SELECT version FROM {SqliteSchema.VersionTable} ORDER BY version";
        var versions = new List<long>();
        using var reader = command.ExecuteReader();
        while (reader.Read()) versions.Add(reader.GetInt64(0));
        return versions;
    }
}

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

    /// <summary>Runs a search over message texts only (no titles) and collects its hits.</summary>
    private protected static async Task<List<SessionSearchHit>> SearchMessagesAsync(ISessionSearch search, string text, int take = 100)
    {
        var hits = new List<SessionSearchHit>();
        await foreach (var hit in search.SearchAsync(new SessionSearchQuery { Text = text, Take = take, IncludeTitles = false })) hits.Add(hit);
        return hits;
    }

    /// <summary>Runs each query (up to 1,000 hits) and returns its hits as (session, sequence), for comparing searches across versions.</summary>
    private protected static async Task<Dictionary<string, List<(string Session, long? Sequence)>>> HitsAsync(ISessionSearch search, string[] queries)
    {
        var result = new Dictionary<string, List<(string, long?)>>(StringComparer.Ordinal);
        foreach (string query in queries) result[query] = (await SearchMessagesAsync(search, query, take: 1000)).Select(h => (h.SessionId, h.Sequence)).ToList();
        return result;
    }

    /// <summary>Asserts that FTS5's integrity check of the message index passes on the current database.</summary>
    private protected void AssertFtsIntegrity()
    {
        using var raw = Database.OpenRaw();
        using var check = raw.CreateCommand();
        check.CommandText = "INSERT INTO session_messages_fts(session_messages_fts) VALUES ('integrity-check')";
        Assert.DoesNotThrow(() => check.ExecuteNonQuery());
    }
}

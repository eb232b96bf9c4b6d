using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;

namespace Sessions.Sdk.Tests;

/// <summary>Issue 15 on SQLite, schema version 10: the message index merges its segments eight at a time (FTS5 <c>usermerge</c> 8,
/// <c>crisismerge</c> 32), so the background rounds rewrite each entry on fewer levels; searches find exactly what they found.</summary>
[TestFixture]
public sealed class SqliteMergeFactorTests : SqliteDatabaseTests
{
    private static readonly DateTimeOffset T0 = new(2025, 11, 12, 13, 14, 15, TimeSpan.Zero);

    [Test]
    public async Task Migrate_FromSchemaNineToTen_SetsTheMergeFactors_AndSearchesFindWhatTheyFoundBefore()
    {
        string[] queries = ["alpha", "al", "bravo char", "zu", "zulu", "k00007x", "charlie delta"];
        Dictionary<string, List<(string Session, long? Sequence)>> before;
        using (var old = new SqliteSessionStorage(new SqliteStorageOptions { ConnectionString = Database.ConnectionString }, TimeProvider.System, NullLogger.Instance) { TargetSchemaVersion = 9 })
        {
            old.BackgroundIndexBatch = 0;
            await old.CreateAsync(Session("a"), [Message("alpha bravo charlie delta"), Message("alphabet zulu")]);
            await old.CreateAsync(Session("b"), []);
            for (int i = 0; i < 12; i++) await old.AppendMessagesAsync(i % 2 == 0 ? "a" : "b", [Message($"alpine bravado {Token(i)} charlie delta zulus")]);
            before = await HitsAsync(old, queries);
        }

        SqliteConnection.ClearAllPools();
        Assert.That(Versions(), Is.EqualTo(Enumerable.Range(1, 9).Select(v => (long)v)));
        var configBefore = IndexConfig();

        using var store = Database.CreateStore();
        store.BackgroundIndexBatch = 0;
        await store.InitializeAsync();
        var configAfter = IndexConfig();
        await store.AppendMessagesAsync("b", [Message("alpha after the migration " + Token(100))]);
        var after = await HitsAsync(store, queries);
        var appendedHit = await SearchMessagesAsync(store, Token(100));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Versions(), Is.EqualTo(Enumerable.Range(1, SqliteSchema.LatestVersion).Select(v => (long)v)));
            Assert.That(SqliteSchema.LatestVersion, Is.GreaterThanOrEqualTo(10));
            Assert.That(configBefore.ContainsKey("usermerge"), Is.False, "schema 9 left FTS5's default merge factor (4)");
            Assert.That(configAfter["usermerge"], Is.EqualTo(8L));
            Assert.That(configAfter["crisismerge"], Is.EqualTo(32L));
            Assert.That(configAfter["automerge"], Is.EqualTo(0L), "the rows are still merged by the background pass only");
            foreach (string query in queries.Where(q => q != "alpha" && q != "al")) Assert.That(after[query], Is.EquivalentTo(before[query]), query);
            Assert.That(after["alpha"], Is.EquivalentTo(before["alpha"].Append(("b", 7L))), "alpha: the rows found before and the new one");
            Assert.That(after["al"], Has.Count.EqualTo(before["al"].Count + 1));
            Assert.That(appendedHit.Single().Sequence, Is.EqualTo(7));
        }

        AssertFtsIntegrity();
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task BackgroundRounds_MergeLevelsOfEightSegments_KeepingThemFew_AndEveryMessageFound()
    {
        using (var store = Database.CreateStore())
        {
            await store.CreateAsync(Session("m"), []);
            for (int i = 0; i < 1500; i++) await store.AppendMessagesAsync("m", [Message($"merged {Token(i)} some more words to index")]);
            await store.WhenIdleAsync();
            Assert.That((await SearchMessagesAsync(store, Token(1499))).Single().Sequence, Is.EqualTo(1500));
            Assert.That(await SearchMessagesAsync(store, "merged", take: 2000), Has.Count.EqualTo(1500));
        }

        var levels = SegmentsPerLevel();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(levels.Sum(), Is.LessThanOrEqualTo(24), "about 47 rounds of 32 rows left few segments: " + string.Join(",", levels));
            Assert.That(levels.Max(), Is.LessThan(16), "no level held enough segments for a crisis merge: " + string.Join(",", levels));
            Assert.That(levels.Count, Is.GreaterThanOrEqualTo(2), "segments were merged into a higher level: " + string.Join(",", levels));
        }

        AssertFtsIntegrity();
    }

    private Dictionary<string, long> IndexConfig()
    {
        using var raw = Database.OpenRaw();
        using var command = raw.CreateCommand();
        command.CommandText = "SELECT k, v FROM session_messages_fts_config WHERE typeof(v) = 'integer'";
        var config = new Dictionary<string, long>(StringComparer.Ordinal);
        using var reader = command.ExecuteReader();
        while (reader.Read()) config[reader.GetString(0)] = reader.GetInt64(1);
        return config;
    }

    /// <summary>The segment count of each level of the message index, read from its structure record (and checked against the
    /// segments its page index holds).</summary>
    private List<int> SegmentsPerLevel()
    {
        using var raw = Database.OpenRaw();
        using var count = raw.CreateCommand();
        count.CommandText = "SELECT count(DISTINCT segid) FROM session_messages_fts_idx";
        int segments = (int)(long)count.ExecuteScalar()!;
        using var structure = raw.CreateCommand();
        structure.CommandText = "SELECT block FROM session_messages_fts_data WHERE id = 10";
        return ParseLevels((byte[])structure.ExecuteScalar()!, segments);
    }

    /// <summary>Decodes the FTS5 structure record (cookie, level count, segment count, write counter, then per level: merge state,
    /// segment count, and each segment's id and page range), returning the segment count of each level.</summary>
    private static List<int> ParseLevels(byte[] record, int expectedSegments)
    {
        Assert.That(record[4..8], Is.Not.EqualTo(new byte[] { 0xFF, 0x00, 0x00, 0x01 }), "a version-1 structure record (no contentless delete)");
        int offset = 4; // the 4-byte cookie
        long levelCount = ReadVarint(record, ref offset);
        long segmentCount = ReadVarint(record, ref offset);
        Assert.That(segmentCount, Is.EqualTo(expectedSegments), "the structure record lists the segments the index holds");
        ReadVarint(record, ref offset); // write counter
        var levels = new List<int>();
        for (long level = 0; level < levelCount; level++)
        {
            ReadVarint(record, ref offset); // segments of this level being merged
            long segments = ReadVarint(record, ref offset);
            for (long s = 0; s < segments; s++)
            {
                ReadVarint(record, ref offset); // segment id
                ReadVarint(record, ref offset); // first leaf page
                ReadVarint(record, ref offset); // last leaf page
            }

            levels.Add((int)segments);
        }

        while (levels.Count > 0 && levels[^1] == 0) levels.RemoveAt(levels.Count - 1);
        return levels;
    }

    private static long ReadVarint(byte[] data, ref int offset)
    {
        long value = 0;
        for (int i = 0; i < 9; i++)
        {
            byte b = data[offset++];
            if (i == 8) return (value << 8) | b;
            value = (value << 7) | (long)(b & 0x7F);
            if ((b & 0x80) == 0) return value;
        }

        return value;
    }

    private static string Token(int i) => "k" + i.ToString("D5", CultureInfo.InvariantCulture) + "x";

    private static SessionInfo Session(string id) => new() { Id = id, Title = "title of " + id, CreatedAt = T0, UpdatedAt = T0 };

    private static SessionMessage Message(string text) => new() { Message = new ChatMessage(ChatRole.User, text), Timestamp = T0 };
}

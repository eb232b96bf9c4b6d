using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;

namespace Sessions.Sdk.Tests;

/// <summary>Issue 15 on SQLite, schema version 8: the message index keeps two-character prefixes only and is rebuilt lazily after
/// the migration; background rounds index and merge in one transaction; in durable mode only the appends wait for an fsync, the
/// search index's own commits do not.</summary>
[TestFixture]
public sealed class SqliteCheaperIndexTests : SqliteDatabaseTests
{
    private static readonly DateTimeOffset T0 = new(2025, 7, 8, 9, 10, 11, TimeSpan.Zero);

    [Test]
    public async Task Migrate_FromSchemaSevenToEight_KeepsRows_ReindexesLazily_AndPrefixSearchesFindWhatTheyFoundBefore()
    {
        string[] queries = ["alpha", "al", "alp", "alph", "bravo char", "brav", "zu", "zul", "zulu", "charlie delta", "\"charlie delta\""];
        Dictionary<string, List<(string Session, long? Sequence)>> before;
        using (var old = new SqliteSessionStorage(new SqliteStorageOptions { ConnectionString = Database.ConnectionString }, TimeProvider.System, NullLogger.Instance) { TargetSchemaVersion = 7 })
        {
            old.BackgroundIndexBatch = 0;
            await old.CreateAsync(Session("a"), [Message("alpha bravo charlie delta"), Message("alphabet zulu")]);
            await old.CreateAsync(Session("b"), []);
            for (int i = 0; i < 12; i++) await old.AppendMessagesAsync(i % 2 == 0 ? "a" : "b", [Message($"alpine bravado {Token(i)} charlie delta zulus")]);
            before = await HitsAsync(old, queries);
        }

        SqliteConnection.ClearAllPools();
        var rowsBefore = Rows();
        Assert.That(Versions(), Is.EqualTo(Enumerable.Range(1, 7).Select(v => (long)v)));

        using var store = Database.CreateStore();
        store.BackgroundIndexBatch = 0;
        await store.InitializeAsync();
        long pendingAfterMigration = Pending();
        string indexSql = IndexSql();
        var after = await HitsAsync(store, queries);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Versions(), Is.EqualTo(Enumerable.Range(1, SqliteSchema.LatestVersion).Select(v => (long)v)));
            Assert.That(SqliteSchema.LatestVersion, Is.GreaterThanOrEqualTo(8));
            Assert.That(Rows(), Is.EqualTo(rowsBefore), "message rows are unchanged by the migration");
            Assert.That(pendingAfterMigration, Is.EqualTo(rowsBefore.Count), "the migration left every row to the indexer (instant on a large database)");
            Assert.That(indexSql, Does.Contain("prefix='2'"));
            Assert.That(indexSql, Does.Not.Contain("'2 3'"));
            Assert.That(Pending(), Is.Zero, "the first search indexed every row first");
            foreach (string query in queries) Assert.That(after[query], Is.EquivalentTo(before[query]), query);
            Assert.That(before["alp"], Has.Count.EqualTo(14), "a three-character prefix finds every alpha/alphabet/alpine row");
            Assert.That(before["zu"], Has.Count.EqualTo(13));
        }

        AssertFtsIntegrity();
    }

    [Test]
    public async Task DurableMode_IndexCommitsRunRelaxed_AppendsStayFullySynced()
    {
        using var store = Database.CreateStore(configure: o => o.Synchronous = SqliteSynchronousMode.Full);
        store.BackgroundIndexBatch = 0; // only the search indexes, on this thread's single pooled connection
        await store.CreateAsync(Session("d"), []);
        for (int i = 0; i < 5; i++) await store.AppendMessagesAsync("d", [Message("durable " + Token(i))]);
        Assert.That(Synchronous(store), Is.EqualTo(2L), "an append runs with synchronous = FULL");

        var hits = await SearchMessagesAsync(store, Token(4));
        long afterIndexing = Synchronous(store);
        await store.AppendMessagesAsync("d", [Message("durable " + Token(5))]);
        long afterAppend = Synchronous(store);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(hits.Single().Sequence, Is.EqualTo(5));
            Assert.That(afterIndexing, Is.EqualTo(1L), "the search's index commit ran with synchronous = NORMAL (derived data)");
            Assert.That(afterAppend, Is.EqualTo(2L), "the next append switched the connection back to FULL before writing");
            Assert.That(Pending(), Is.EqualTo(1));
        }
    }

    [Test]
    public async Task NormalMode_SearchIndexingNeverChangesSynchronous()
    {
        using var store = Database.CreateStore();
        store.BackgroundIndexBatch = 0;
        await store.CreateAsync(Session("n"), [Message("normal " + Token(1))]);
        await store.AppendMessagesAsync("n", [Message("normal " + Token(2))]);

        var hits = await SearchMessagesAsync(store, "normal");

        Assert.That(hits, Has.Count.EqualTo(2));
        Assert.That(Synchronous(store), Is.EqualTo(1L));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task BackgroundRounds_IndexAndMergeTogether_KeepSegmentsFewAndTheIndexIntact()
    {
        using (var store = Database.CreateStore(configure: o => o.Synchronous = SqliteSynchronousMode.Full))
        {
            await store.CreateAsync(Session("m"), []);
            for (int i = 0; i < 800; i++) await store.AppendMessagesAsync("m", [Message($"merged {Token(i)} some more words to index")]);
            await store.WhenIdleAsync();
            var hits = await SearchMessagesAsync(store, Token(799));
            Assert.That(hits.Single().Sequence, Is.EqualTo(800));
            Assert.That(await SearchMessagesAsync(store, "merged", take: 1000), Has.Count.EqualTo(800));
        }

        using var raw = Database.OpenRaw();
        using var segments = raw.CreateCommand();
        segments.CommandText = "SELECT count(DISTINCT segid) FROM session_messages_fts_idx";
        Assert.That(segments.ExecuteScalar(), Is.LessThanOrEqualTo(16L), "the background rounds merged the small segments of their batches");
        AssertFtsIntegrity();
    }

    private static long Synchronous(SqliteSessionStorage store) => Convert.ToInt64(store.ConnectionSetting("PRAGMA synchronous"), CultureInfo.InvariantCulture);

    private long Pending()
    {
        using var raw = Database.OpenRaw();
        using var command = raw.CreateCommand();
        command.CommandText = "SELECT count(*) FROM session_messages WHERE id > (SELECT indexed_upto FROM sessions_fts_state)";
        return (long)command.ExecuteScalar()!;
    }

    private string IndexSql()
    {
        using var raw = Database.OpenRaw();
        using var command = raw.CreateCommand();
        command.CommandText = "SELECT sql FROM sqlite_master WHERE name = 'session_messages_fts'";
        return (string)command.ExecuteScalar()!;
    }

    private List<string> Rows()
    {
        using var raw = Database.OpenRaw();
        using var command = raw.CreateCommand();
        command.CommandText = "SELECT id, session_pk, seq, text, hex(payload), checksum FROM session_messages ORDER BY id";
        var rows = new List<string>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            rows.Add(string.Create(CultureInfo.InvariantCulture, $"{reader.GetInt64(0)}/{reader.GetInt64(1)}/{reader.GetInt64(2)}/{reader.GetString(3)}/{reader.GetString(4)}/{reader.GetInt64(5)}"));
        }

        return rows;
    }

    private static string Token(int i) => "k" + i.ToString("D5", CultureInfo.InvariantCulture) + "x";

    private static SessionInfo Session(string id) => new() { Id = id, Title = "title of " + id, CreatedAt = T0, UpdatedAt = T0 };

    private static SessionMessage Message(string text) => new() { Message = new ChatMessage(ChatRole.User, text), Timestamp = T0 };
}

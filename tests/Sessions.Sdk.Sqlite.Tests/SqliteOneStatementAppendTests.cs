using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;

namespace Sessions.Sdk.Tests;

/// <summary>Issue 15 on SQLite, schema version 7: a single message is appended by one autocommit statement whose trigger checks the
/// sequence the writer expects; a stale expectation (another writer, a replace, a delete) writes nothing and the append is redone in a
/// transaction, so no message is ever lost, duplicated or given a wrong sequence.</summary>
[TestFixture]
public sealed class SqliteOneStatementAppendTests : SqliteDatabaseTests
{
    private static readonly DateTimeOffset T0 = new(2025, 5, 6, 7, 8, 9, TimeSpan.Zero);
    [Test]
    public async Task Migrate_FromSchemaSixToSeven_KeepsEveryRowAndChecksum_AndAppendsContinue()
    {
        using (var old = new SqliteSessionStorage(new SqliteStorageOptions { ConnectionString = Database.ConnectionString }, TimeProvider.System, NullLogger.Instance) { TargetSchemaVersion = 6 })
        {
            old.BackgroundIndexBatch = 0;
            await old.CreateAsync(Session("a"), [Message("first zebra"), Message("second yak")]);
            await old.CreateAsync(Session("b"), []);
            for (int i = 0; i < 20; i++) await old.AppendMessagesAsync(i % 2 == 0 ? "a" : "b", [Message("old append " + Token(i))]);
        }

        SqliteConnection.ClearAllPools();
        var before = Rows();
        var sessionsBefore = SessionRows();
        Assert.That(Versions(), Is.EqualTo(Enumerable.Range(1, 6).Select(v => (long)v)));

        using var store = Database.CreateStore();
        await store.InitializeAsync();
        var migratedRows = Rows();
        var migratedSessions = SessionRows();
        var read = await store.GetMessagesAsync("a", MessageRange.All);
        var appended = await store.AppendMessagesAsync("a", [Message("after migration " + Token(100))]);
        var again = await store.AppendMessagesAsync("a", [Message("after migration " + Token(101))]);
        var hits = await SearchAsync(store, "append");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Versions(), Is.EqualTo(Enumerable.Range(1, SqliteSchema.LatestVersion).Select(v => (long)v)));
            Assert.That(SqliteSchema.LatestVersion, Is.GreaterThanOrEqualTo(7));
            Assert.That(migratedRows, Has.Count.EqualTo(22));
            Assert.That(migratedRows.Select(Describe), Is.EqualTo(before.Select(Describe)), "every message row (id, session, seq, payload, checksum) is unchanged");
            Assert.That(before.All(r => r.Checksum == RecordChecksum.Crc32C(r.Payload)), Is.True, "every checksum matches its payload");
            Assert.That(migratedSessions, Is.EqualTo(sessionsBefore), "session rows are unchanged by the migration");
            Assert.That(read.Select(m => m.Sequence), Is.EqualTo(Enumerable.Range(1, 12).Select(i => (long)i)));
            Assert.That(appended.Single().Sequence, Is.EqualTo(13));
            Assert.That(again.Single().Sequence, Is.EqualTo(14));
            Assert.That(hits, Has.Count.EqualTo(20));
        }

        var after = Rows();
        Assert.That(after.Skip(before.Count).All(r => r.Checksum == RecordChecksum.Crc32C(r.Payload)), Is.True, "appends after the migration keep row checksums");
    }

    [Test]
    public async Task Append_OneMessage_AdvancesSessionRowLikeATransaction()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(T0);
        using var store = Database.CreateStore(timeProvider: clock);
        var created = await store.CreateAsync(Session("s"), [Message("one")]);
        clock.Advance(TimeSpan.FromMinutes(1));
        var second = await store.AppendMessagesAsync("s", [Message("two") with { Usage = new SessionUsage { InputTokens = 3, OutputTokens = 4, TotalTokens = 7, Requests = 1 } }]);
        clock.Advance(TimeSpan.FromMinutes(1));
        var third = await store.AppendMessagesAsync("s", [Message("three") with { Usage = new SessionUsage { InputTokens = 1, OutputTokens = 2, TotalTokens = 3, Requests = 1, UnpricedRequests = 1 } }]);
        clock.Advance(TimeSpan.FromMinutes(1));
        var priced = await store.AppendMessagesAsync("s", [Message("four") with { Usage = new SessionUsage { InputTokens = 10, OutputTokens = 10, TotalTokens = 20, Cost = 0.125m, Requests = 1 } }]);
        var info = await store.GetAsync("s");
        var messages = await store.GetMessagesAsync("s", MessageRange.All);
        long payloadBytes = Rows().Sum(r => (long)r.Payload.Length);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(new[] { second.Single().Sequence, third.Single().Sequence, priced.Single().Sequence }, Is.EqualTo(new long[] { 2, 3, 4 }));
            Assert.That(info!.MessageCount, Is.EqualTo(4));
            Assert.That(info.Version, Is.EqualTo(created.Version + 3), "every appended message advances the version");
            Assert.That(info.UpdatedAt, Is.EqualTo(T0.AddMinutes(3)));
            Assert.That(info.Usage, Is.EqualTo(new SessionUsage { InputTokens = 14, OutputTokens = 16, TotalTokens = 30, Cost = 0.125m, Requests = 3, UnpricedRequests = 1 }));
            Assert.That(info.SizeBytes, Is.InRange(payloadBytes - 8, payloadBytes), "size counts each stored payload");
            Assert.That(messages.Select(m => m.Text), Is.EqualTo(new[] { "one", "two", "three", "four" }));
            Assert.That(messages.Select(m => m.Sequence), Is.EqualTo(new long[] { 1, 2, 3, 4 }));
        }
    }

    [Test]
    public async Task Append_AfterAnotherInstanceAppendedReplacedOrRecreated_UsesTheSessionsRealNextSequence()
    {
        using var a = Database.CreateStore();
        using var b = Database.CreateStore();
        await a.CreateAsync(Session("s"), []);
        await a.AppendMessagesAsync("s", [Message("a1")]);
        await a.AppendMessagesAsync("s", [Message("a2")]); // a now expects 3
        await b.AppendMessagesAsync("s", [Message("b3")]);
        var a4 = await a.AppendMessagesAsync("s", [Message("a4")]);

        var current = await b.GetAsync("s");
        await b.ReplaceMessagesAsync("s", [Message("r1"), Message("r2"), Message("r3"), Message("r4")], current!.Version); // same count as a expects
        var a5 = await a.AppendMessagesAsync("s", [Message("a5")]);

        await b.DeleteAsync("s");
        await b.CreateAsync(Session("s"), [Message("new1")]);
        var a6 = await a.AppendMessagesAsync("s", [Message("a-new2")]);

        await b.DeleteAsync("s");
        var missing = await Assert.ThrowsAsync<SessionNotFoundException>(async () => await a.AppendMessagesAsync("s", [Message("lost")]));
        var messages = Rows();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(a4.Single().Sequence, Is.EqualTo(4));
            Assert.That(a5.Single().Sequence, Is.EqualTo(5));
            Assert.That(a6.Single().Sequence, Is.EqualTo(2), "the recreated session's next sequence, not the deleted one's");
            Assert.That(missing!.SessionId, Is.EqualTo("s"));
            Assert.That(messages, Is.Empty, "the failed append stored nothing");
        }
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task ConcurrentWriters_TwoInstancesFourTasksEach_NoneLostNoneDuplicated()
    {
        const int perTask = 40;
        using var first = Database.CreateStore();
        using var second = Database.CreateStore();
        await first.CreateAsync(Session("shared"), []);
        using var start = new ManualResetEventSlim();
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            var store = w % 2 == 0 ? first : second;
            start.Wait();
            var sequences = new List<long>();
            for (int i = 0; i < perTask; i++)
            {
                var stored = await store.AppendMessagesAsync("shared", [Message($"w{w} m{i} " + Token((w * 1000) + i))]);
                sequences.Add(stored.Single().Sequence);
            }

            return sequences;
        })).ToArray();
        start.Set();
        var returned = (await Task.WhenAll(writers)).SelectMany(s => s).ToList();
        var messages = await first.GetMessagesAsync("shared", MessageRange.All);
        var info = await second.GetAsync("shared");
        var hits = await SearchAsync(second, Token(7 * 1000 + perTask - 1));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(returned, Is.EquivalentTo(Enumerable.Range(1, 8 * perTask).Select(i => (long)i)), "each acknowledged append got its own sequence");
            Assert.That(messages.Select(m => m.Sequence), Is.EqualTo(Enumerable.Range(1, 8 * perTask).Select(i => (long)i)));
            Assert.That(messages.Select(m => m.Text).Distinct().Count(), Is.EqualTo(8 * perTask), "no message lost or stored twice");
            Assert.That(info!.MessageCount, Is.EqualTo(8 * perTask));
            Assert.That(Rows().All(r => r.Checksum == RecordChecksum.Crc32C(r.Payload)), Is.True);
            Assert.That(hits, Has.Count.EqualTo(1), "a search right after the appends finds the last one");
        }
    }

    [Test]
    public async Task Search_RightAfterAppends_DefaultBackgroundPasses_FindsEveryMessage()
    {
        using var store = Database.CreateStore();
        await store.CreateAsync(Session("s"), []);
        for (int i = 0; i < 500; i++)
        {
            await store.AppendMessagesAsync("s", [Message("everyword " + Token(i))]);
            if (i % 97 == 0)
            {
                var found = await SearchAsync(store, Token(i));
                Assert.That(found.Single().Sequence, Is.EqualTo(i + 1), $"the message appended just before search {i}");
            }
        }

        var all = await SearchAsync(store, "everyword", take: 1000);

        Assert.That(all.Select(h => h.Sequence), Is.EquivalentTo(Enumerable.Range(1, 500).Select(i => (long?)i)));
    }

    [Test]
    public async Task Append_DurableMode_OneStatementKeepsEveryMessage()
    {
        using var store = Database.CreateStore(configure: o => o.Synchronous = SqliteSynchronousMode.Full);
        await store.CreateAsync(Session("d"), []);
        for (int i = 0; i < 30; i++) await store.AppendMessagesAsync("d", [Message("durable " + Token(i))]);
        SqliteConnection.ClearAllPools();
        using var reopened = Database.CreateStore();

        var messages = await reopened.GetMessagesAsync("d", MessageRange.All);

        Assert.That(messages.Select(m => m.Text), Is.EqualTo(Enumerable.Range(0, 30).Select(i => "durable " + Token(i))));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task ManyAppends_BackgroundPassIndexesAndMergesOffTheAppendPath()
    {
        using (var store = Database.CreateStore())
        {
            await store.CreateAsync(Session("big"), []);
            string padding = string.Concat(Enumerable.Repeat("filler text for a long message ", 30));
            for (int i = 0; i < 1500; i++) await store.AppendMessagesAsync("big", [Message(Token(i) + " " + padding)]);
            await store.WhenIdleAsync();

            Assert.That(Pending(), Is.LessThan(32), "the background passes indexed the appends while they went on");
            var hits = await SearchAsync(store, Token(1499));
            Assert.That(hits.Single().Sequence, Is.EqualTo(1500));
            await store.WhenIdleAsync();
        }

        using var raw = Database.OpenRaw();
        using var config = raw.CreateCommand();
        config.CommandText = "SELECT v FROM session_messages_fts_config WHERE k = 'automerge'";
        Assert.That(config.ExecuteScalar(), Is.EqualTo(0L), "indexing never merges inside an append's or a search's transaction");
        using var segments = raw.CreateCommand();
        segments.CommandText = "SELECT count(DISTINCT segid) FROM session_messages_fts_idx";
        Assert.That(segments.ExecuteScalar(), Is.LessThanOrEqualTo(24L), "the background pass merged the small segments of its batches");
        using var check = raw.CreateCommand();
        check.CommandText = "INSERT INTO session_messages_fts(session_messages_fts) VALUES ('integrity-check')";
        Assert.DoesNotThrow(() => check.ExecuteNonQuery());
    }

    private long Pending()
    {
        using var raw = Database.OpenRaw();
        using var command = raw.CreateCommand();
        command.CommandText = "SELECT count(*) FROM session_messages WHERE id > (SELECT indexed_upto FROM sessions_fts_state)";
        return (long)command.ExecuteScalar()!;
    }

    private List<(long Id, long SessionPk, long Seq, byte[] Payload, uint Checksum)> Rows()
    {
        using var raw = Database.OpenRaw();
        using var command = raw.CreateCommand();
        command.CommandText = "SELECT id, session_pk, seq, payload, checksum FROM session_messages ORDER BY id";
        var rows = new List<(long, long, long, byte[], uint)>();
        using var reader = command.ExecuteReader();
        while (reader.Read()) rows.Add((reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetFieldValue<byte[]>(3), (uint)reader.GetInt64(4)));
        return rows;
    }

    private static string Describe((long Id, long SessionPk, long Seq, byte[] Payload, uint Checksum) row) =>
        string.Create(CultureInfo.InvariantCulture, $"{row.Id}/{row.SessionPk}/{row.Seq}/{Convert.ToHexString(row.Payload)}/{row.Checksum:x8}");

    private List<(string Id, long Count, long Size, long Version, long Updated)> SessionRows()
    {
        using var raw = Database.OpenRaw();
        using var command = raw.CreateCommand();
        command.CommandText = "SELECT id, message_count, size_bytes, version, updated_at FROM sessions ORDER BY id";
        var rows = new List<(string, long, long, long, long)>();
        using var reader = command.ExecuteReader();
        while (reader.Read()) rows.Add((reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4)));
        return rows;
    }

    private static string Token(int i) => "t" + i.ToString("D5", CultureInfo.InvariantCulture) + "q";

    private static SessionInfo Session(string id) => new() { Id = id, Title = "title of " + id, CreatedAt = T0, UpdatedAt = T0 };

    private static SessionMessage Message(string text) => new() { Message = new ChatMessage(ChatRole.User, text), Timestamp = T0 };

    private static async Task<List<SessionSearchHit>> SearchAsync(ISessionSearch search, string text, int take = 100)
    {
        var hits = new List<SessionSearchHit>();
        await foreach (var hit in search.SearchAsync(new SessionSearchQuery { Text = text, Take = take })) hits.Add(hit);
        return hits;
    }
}

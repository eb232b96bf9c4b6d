using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk.Tests;

/// <summary>Issue 15 on SQLite: appends never index (they write the message row and the session row only); pending rows are
/// indexed in batches and always before a search, so a search right after appends finds every appended message, from any store
/// instance; deletes, replaces, trash and id reuse never leave a stale or missing hit.</summary>
[TestFixture]
public sealed class SqliteIndexingTests : SqliteDatabaseTests
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 4, 5, 6, 7, TimeSpan.Zero);
    [Test]
    public async Task Append_WritesNoIndexEntry_TheNextSearchIndexesIt()
    {
        using var store = Database.CreateStore();
        store.BackgroundIndexBatch = 0;
        await store.CreateAsync(Session("a"), []);
        for (int i = 0; i < 10; i++) await store.AppendMessagesAsync("a", [Message(Token(i))]);

        Assert.That(Pending(), Is.EqualTo(10), "appends left their rows to the indexer");
        Assert.That(IndexedRows(), Is.Zero, "an append wrote no full-text entry");

        var hits = await SearchAsync(store, Token(9));

        Assert.That(hits.Single().Sequence, Is.EqualTo(10));
        Assert.That(Pending(), Is.Zero);
        Assert.That(IndexedRows(), Is.EqualTo(10));
        AssertIndexIntact();
    }

    [Test]
    public async Task Search_RightAfterAppends_SameInstance_FindsEveryAppendedMessage()
    {
        using var store = Database.CreateStore();
        store.BackgroundIndexBatch = 16; // background passes run while the appends go on
        await store.CreateAsync(Session("burst"), []);
        for (int i = 0; i < 300; i++) await store.AppendMessagesAsync("burst", [Message("burstword " + Token(i))]);

        var hits = await SearchAsync(store, "burstword");
        var last = await SearchAsync(store, Token(299));

        Assert.That(hits.Select(h => h.Sequence), Is.EquivalentTo(Enumerable.Range(1, 300).Select(i => (long?)i)));
        Assert.That(last.Single().Sequence, Is.EqualTo(300));
        AssertIndexIntact();
    }

    [Test]
    public async Task Search_FromAnotherInstance_FindsMessagesAnotherInstanceAppendedAndNeverIndexed()
    {
        using var writer = Database.CreateStore();
        writer.BackgroundIndexBatch = 0;
        using var reader = Database.CreateStore();
        await writer.CreateAsync(Session("w"), [Message("created " + Token(1000))]);
        for (int i = 0; i < 50; i++) await writer.AppendMessagesAsync("w", [Message("otherinstance " + Token(i))]);

        var hits = await SearchAsync(reader, "otherinstance");
        var created = await SearchAsync(reader, Token(1000));

        Assert.That(hits, Has.Count.EqualTo(50));
        Assert.That(hits.Select(h => h.Sequence), Is.EquivalentTo(Enumerable.Range(2, 50).Select(i => (long?)i)));
        Assert.That(created.Single().Sequence, Is.EqualTo(1));
    }

    [Test]
    public async Task ConcurrentAppendersAndSearchers_EverySearchFindsEveryAppendAcknowledgedBeforeIt()
    {
        using var store = Database.CreateStore();
        store.BackgroundIndexBatch = 5;
        using var other = Database.CreateStore();
        other.BackgroundIndexBatch = 7;
        await store.CreateAsync(Session("c"), []);
        var acknowledged = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
        int misses = 0, searches = 0;
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            var target = w % 2 == 0 ? store : other;
            for (int i = 0; i < 60; i++)
            {
                string token = Token((w * 1000) + i);
                var stored = await target.AppendMessagesAsync("c", [Message(token)]);
                acknowledged[token] = stored[0].Sequence;
            }
        })).ToArray();
        var searcher = Task.Run(async () =>
        {
            int pick = 0;
            while (!writers.All(t => t.IsCompleted))
            {
                var snapshot = acknowledged.ToArray();
                if (snapshot.Length == 0) continue;
                var (token, seq) = snapshot[pick++ % snapshot.Length];
                var hits = await SearchAsync(searches % 2 == 0 ? store : other, token);
                Interlocked.Increment(ref searches);
                if (hits.Count != 1 || hits[0].Sequence != seq) Interlocked.Increment(ref misses);
            }
        });
        await Task.WhenAll(writers);
        await searcher;

        var all = await SearchAsync(other, "u0*");
        await TestContext.Out.WriteLineAsync($"concurrent appends and searches (SQLite): 240 appends, {searches} searches during them, {misses} missed");
        Assert.That(misses, Is.Zero);
        Assert.That(acknowledged, Has.Count.EqualTo(240));
        foreach (var (token, seq) in acknowledged)
        {
            Assert.That((await SearchAsync(store, token)).Single().Sequence, Is.EqualTo(seq), token);
        }

        AssertIndexIntact();
        Assert.That(all, Is.Not.Empty);
    }

    [Test]
    public async Task DeleteReplaceTrashPurge_WithPendingAndIndexedRows_NeverLeaveStaleHits()
    {
        using var store = Database.CreateStore();
        store.BackgroundIndexBatch = 0;
        await store.CreateAsync(Session("del"), [Message("indexed " + Token(1))]);
        await store.AppendMessagesAsync("del", [Message("pending " + Token(2))]);
        await store.CreateAsync(Session("rep"), [Message("indexed " + Token(3))]);
        await store.AppendMessagesAsync("rep", [Message("pending " + Token(4))]);
        await store.CreateAsync(Session("trash"), [Message("indexed " + Token(5))]);
        await store.AppendMessagesAsync("trash", [Message("pending " + Token(6))]);
        await store.AppendMessagesAsync("del", [Message("pending " + Token(7))]);

        await store.DeleteAsync("del");
        var rep = (await store.GetAsync("rep"))!;
        await store.ReplaceMessagesAsync("rep", [Message("replacement " + Token(8))], rep.Version);
        await store.TrashAsync("trash");

        foreach (int gone in new[] { 1, 2, 3, 4, 5, 6, 7 }) Assert.That(await SearchAsync(store, Token(gone)), Is.Empty, Token(gone));
        Assert.That((await SearchAsync(store, Token(8))).Single().SessionId, Is.EqualTo("rep"));
        await store.RestoreAsync("trash");
        Assert.That((await SearchAsync(store, Token(6))).Single().SessionId, Is.EqualTo("trash"));
        await store.TrashAsync("trash");
        await store.PurgeAsync("trash");
        AssertIndexIntact();
        Assert.That(await SearchAsync(store, Token(5)), Is.Empty);
        Assert.That(await SearchAsync(store, "indexed"), Is.Empty);
        Assert.That(await SearchAsync(store, "pending"), Is.Empty);
    }

    [Test]
    public async Task DeletedHighestRows_ReusedIds_AreIndexedAndFound()
    {
        // SQLite reuses the highest rowids after they are deleted: the watermark must drop with them, or new rows would be taken
        // for indexed ones and never found.
        using var store = Database.CreateStore();
        store.BackgroundIndexBatch = 0;
        await store.CreateAsync(Session("keep"), [Message("keep " + Token(1))]);
        await store.CreateAsync(Session("top"), [Message("top " + Token(2)), Message("top " + Token(3))]);
        for (int i = 0; i < 5; i++) await store.AppendMessagesAsync("top", [Message("top " + Token(10 + i))]);
        Assert.That(await SearchAsync(store, "top"), Has.Count.EqualTo(7));
        long highest = Scalar("SELECT max(id) FROM session_messages");

        await store.DeleteAsync("top");
        await store.CreateAsync(Session("new"), []);
        for (int i = 0; i < 3; i++) await store.AppendMessagesAsync("new", [Message("reused " + Token(20 + i))]);

        Assert.That(Scalar("SELECT max(id) FROM session_messages"), Is.LessThan(highest), "the test reuses ids");
        Assert.That((await SearchAsync(store, "reused")).Select(h => h.Sequence), Is.EquivalentTo(new long?[] { 1, 2, 3 }));
        Assert.That(await SearchAsync(store, "top"), Is.Empty);
        AssertIndexIntact();
    }

    [Test]
    public async Task RandomOperationsAcrossInstances_IndexMatchesTheRows()
    {
        using var a = Database.CreateStore();
        a.BackgroundIndexBatch = 3;
        using var b = Database.CreateStore();
        b.BackgroundIndexBatch = 0;
        var random = new Random(15);
        var live = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var gone = new HashSet<string>(StringComparer.Ordinal);
        int next = 0, searches = 0;
        for (int op = 0; op < 400; op++)
        {
            var store = random.Next(2) == 0 ? a : b;
            string? id = live.Count == 0 ? null : live.Keys.ElementAt(random.Next(live.Count));
            int kind = random.Next(10);
            if (id is null || kind == 0)
            {
                string created = "r" + op.ToString(CultureInfo.InvariantCulture);
                var tokens = Enumerable.Range(0, random.Next(3)).Select(_ => Token(next++)).ToList();
                await store.CreateAsync(Session(created), [.. tokens.Select(Message)]);
                live[created] = tokens;
            }
            else if (kind <= 5)
            {
                string token = Token(next++);
                await store.AppendMessagesAsync(id, [Message(token)]);
                live[id].Add(token);
            }
            else if (kind == 6)
            {
                var keep = live[id].TakeLast(random.Next(live[id].Count + 1)).ToList();
                foreach (var t in live[id].Except(keep)) gone.Add(t);
                await store.ReplaceMessagesAsync(id, [.. keep.Select(Message)], (await store.GetAsync(id))!.Version);
                live[id] = keep;
            }
            else if (kind == 7)
            {
                foreach (var t in live[id]) gone.Add(t);
                await store.DeleteAsync(id);
                live.Remove(id);
            }
            else
            {
                var all = live.Values.SelectMany(t => t).ToList();
                if (all.Count == 0) continue;
                string token = all[random.Next(all.Count)];
                Assert.That(await SearchAsync(store, token), Has.Count.EqualTo(1), token);
                searches++;
            }
        }

        foreach (var (id, tokens) in live)
        {
            for (int i = 0; i < tokens.Count; i++)
            {
                var hit = (await SearchAsync(b, tokens[i])).Single();
                Assert.That((hit.SessionId, hit.Sequence), Is.EqualTo((id, (long?)(i + 1))), tokens[i]);
            }
        }

        foreach (var token in gone) Assert.That(await SearchAsync(a, token), Is.Empty, token);
        AssertIndexIntact();
        await TestContext.Out.WriteLineAsync($"random operations (SQLite): 400 ops, {searches} searches mid-run, {live.Values.Sum(t => t.Count)} live and {gone.Count} removed messages checked");
    }

    private static string Token(int i) => "u" + i.ToString("D5", CultureInfo.InvariantCulture) + "z";

    private static SessionInfo Session(string id) => new() { Id = id, Title = "title of " + id, CreatedAt = T0, UpdatedAt = T0 };

    private static SessionMessage Message(string text) => new() { Message = new ChatMessage(ChatRole.User, text), Timestamp = T0 };

    private static async Task<List<SessionSearchHit>> SearchAsync(ISessionSearch search, string text)
    {
        var hits = new List<SessionSearchHit>();
        await foreach (var hit in search.SearchAsync(new SessionSearchQuery { Text = text, Take = 10_000, IncludeTitles = false })) hits.Add(hit);
        return hits;
    }

    private long Pending() => Scalar("SELECT count(*) FROM session_messages WHERE id > (SELECT indexed_upto FROM sessions_fts_state)");

    private long IndexedRows() => Scalar("SELECT count(*) FROM session_messages_fts_docsize");

    private long Scalar(string sql)
    {
        using var raw = Database.OpenRaw();
        using var command = raw.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>FTS5's own check that the index holds exactly the content rows' tokens (after a search indexed what was pending).</summary>
    private void AssertIndexIntact()
    {
        using var raw = Database.OpenRaw();
        using var command = raw.CreateCommand();
        command.CommandText = "INSERT INTO session_messages_fts(session_messages_fts, rank) VALUES ('integrity-check', 1)";
        Assert.DoesNotThrow(() => command.ExecuteNonQuery());
        Assert.That(Scalar("SELECT count(*) FROM session_messages WHERE id > (SELECT indexed_upto FROM sessions_fts_state)"), Is.Zero);
    }
}

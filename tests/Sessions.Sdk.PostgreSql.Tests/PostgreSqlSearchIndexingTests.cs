using Microsoft.Extensions.AI;

namespace Sessions.Sdk.Tests;

/// <summary>Search indexing off the append path (schema version 8): an append writes no search row; a search indexes whatever any
/// instance left pending first, so it finds every appended message; a background pass indexes what this instance appended; a pass
/// racing a rewrite or a delete writes nothing stale; a damaged row does not hold the others back.</summary>
[TestFixture]
[Category("Integration")]
public sealed class PostgreSqlSearchIndexingTests
{
    private static readonly DateTimeOffset Time = new(2024, 6, 1, 9, 0, 0, TimeSpan.Zero);
    private readonly PostgreSqlSchemas _schemas = new("index");

    [OneTimeSetUp]
    public void Connect() => _schemas.Connect();

    [OneTimeTearDown]
    public Task DropSchemas() => _schemas.DropAsync();

    [Test]
    public async Task AppendMessagesAsync_WritesNoSearchRow_AndAnotherInstancesSearchFindsEveryMessage()
    {
        string schema = _schemas.New();
        await using var writer = Storage(schema);
        await writer.CreateAsync(Session("a"), [Message(0, "created quartzword")]);
        await writer.CreateAsync(Session("b"), []);
        for (int i = 1; i <= 30; i++) await writer.AppendMessagesAsync(i % 3 == 0 ? "b" : "a", [Message(i, $"appended quartzword {i}")]);
        await writer.AppendMessagesAsync("b", [Message(31, "batched quartzword"), Message(32, "batched too")]);

        long searchRowsBefore = await SearchRowsAsync(schema);
        long pendingBefore = await PendingAsync(schema);

        // Another instance (another process, as far as the database can tell) searches: it indexes what the writer left pending.
        await using var reader = Storage(schema);
        var hits = await SearchAsync(reader, "quartzword");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(searchRowsBefore, Is.EqualTo(1), "only the created message has a search row before the search");
            Assert.That(pendingBefore, Is.EqualTo(32));
            Assert.That(hits.Count(h => h.SessionId == "a"), Is.EqualTo(21));
            Assert.That(hits.Count(h => h.SessionId == "b"), Is.EqualTo(11));
            Assert.That(hits.Where(h => h.SessionId == "b").Select(h => h.Sequence), Does.Contain((long?)11));
            Assert.That(await PendingAsync(schema), Is.Zero);
            Assert.That(await SearchRowsAsync(schema), Is.EqualTo(33));
        }
    }

    [Test]
    public async Task BackgroundPass_AfterEnoughAppends_IndexesThemWithoutASearch()
    {
        string schema = _schemas.New();
        await using var storage = Storage(schema, backgroundBatch: 4);
        await storage.CreateAsync(Session("bg"), []);
        for (int i = 0; i < 9; i++) await storage.AppendMessagesAsync("bg", [Message(i, $"background {i}")]);

        // The pass runs off the append path; wait for it (bounded), without searching. It starts once a batch (4) has been
        // appended since the last pass, so fewer than a batch may be left for the next pass or search.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        long pending;
        while ((pending = await PendingAsync(schema)) >= 4 && DateTime.UtcNow < deadline) await Task.Delay(20);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(pending, Is.LessThan(4));
            Assert.That(await SearchRowsAsync(schema), Is.EqualTo(9 - pending));
        }
    }

    [Test]
    public async Task IndexPass_SessionReplacedBetweenReadAndWrite_WritesNoStaleRow()
    {
        string schema = _schemas.New();
        await using var storage = Storage(schema);
        var created = await storage.CreateAsync(Session("r"), []);
        await storage.AppendMessagesAsync("r", [Message(0, "stale walrus one"), Message(1, "stale walrus two"), Message(2, "stale walrus three")]);
        var before = (await storage.GetAsync("r"))!;
        await using var other = Storage(schema);
        storage.BeforeIndexWrite = async () =>
        {
            storage.BeforeIndexWrite = null;
            await other.ReplaceMessagesAsync("r", [Message(0, "fresh narwhal")], before.Version);
        };

        await storage.IndexPendingAsync();
        var stale = await SearchAsync(storage, "walrus");
        var fresh = await SearchAsync(storage, "narwhal");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(created.MessageCount, Is.Zero);
            Assert.That(stale, Is.Empty);
            Assert.That(fresh.Select(h => h.Sequence), Is.EqualTo(new long?[] { 1 }));
            Assert.That(await SearchRowsAsync(schema), Is.EqualTo(1));
            Assert.That(await PendingAsync(schema), Is.Zero);
        }
    }

    [Test]
    public async Task IndexPass_SessionDeletedBetweenReadAndWrite_LeavesNoSearchRow()
    {
        string schema = _schemas.New();
        await using var storage = Storage(schema);
        await storage.CreateAsync(Session("d"), []);
        await storage.CreateAsync(Session("kept"), []);
        await storage.AppendMessagesAsync("d", [Message(0, "doomed okapi")]);
        await storage.AppendMessagesAsync("kept", [Message(0, "surviving okapi")]);
        storage.BeforeIndexWrite = async () =>
        {
            storage.BeforeIndexWrite = null;
            await storage.DeleteAsync("d");
        };

        await storage.IndexPendingAsync();
        var hits = await SearchAsync(storage, "okapi");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(hits.Select(h => h.SessionId), Is.EqualTo(new[] { "kept" }));
            Assert.That(await SearchRowsAsync(schema), Is.EqualTo(1));
        }
    }

    [Test]
    public async Task SearchAsync_PendingRowDamaged_IndexesTheRestAndReportsTheDamageOnRead()
    {
        string schema = _schemas.New();
        await using var storage = Storage(schema);
        await storage.CreateAsync(Session("dmg"), []);
        await storage.AppendMessagesAsync("dmg", [Message(0, "intact gazelle one"), Message(1, "broken gazelle"), Message(2, "intact gazelle two")]);
        await PostgreSqlTestDatabase.ExecuteAsync(_schemas.DataSource, $"UPDATE \"{schema}\".messages SET payload = '{{\"not\": ' WHERE session_id = 'dmg' AND seq = 2");

        var hits = await SearchAsync(storage, "gazelle");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(hits.Select(h => h.Sequence).Order(), Is.EqualTo(new long?[] { 1, 3 }));
            Assert.That(await PendingAsync(schema), Is.Zero);
            await Assert.ThrowsAsync<SessionFormatException>(async () => await storage.GetMessagesAsync("dmg", MessageRange.All));
            Assert.That((await storage.GetAsync("dmg"))!.MessageCount, Is.EqualTo(3), "the damaged session is still there");
        }
    }

    [Test]
    public async Task SearchAsync_WhileTwoInstancesAppend_EveryMessageAppendedBeforeTheSearchIsFound()
    {
        string schema = _schemas.New();
        await using var first = Storage(schema, backgroundBatch: 8);
        await using var second = Storage(schema, backgroundBatch: 8);
        await using var searcher = Storage(schema);
        await first.CreateAsync(Session("shared"), []);
        int appended = 0;
        var writers = new[] { first, second }.Select((store, w) => Task.Run(async () =>
        {
            for (int i = 0; i < 60; i++)
            {
                await store.AppendMessagesAsync("shared", [Message(i, $"racing ibex {w}-{i}")]);
                Interlocked.Increment(ref appended);
            }
        })).ToArray();

        // Searches race the writers and each other's indexing: each finds at least what had returned before it started.
        var checks = new List<(int Returned, int Found)>();
        while (!writers.All(t => t.IsCompleted))
        {
            int returned = Volatile.Read(ref appended);
            var hits = await SearchAsync(searcher, "ibex", take: 500);
            checks.Add((returned, hits.Count));
        }

        await Task.WhenAll(writers);
        var all = await SearchAsync(searcher, "ibex", take: 500);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(checks.Where(c => c.Found < c.Returned), Is.Empty);
            Assert.That(all.Select(h => h.Sequence).Order(), Is.EqualTo(Enumerable.Range(1, 120).Select(i => (long?)i)));
            Assert.That(await SearchRowsAsync(schema), Is.EqualTo(120));
        }

        TestContext.Out.WriteLine($"{checks.Count} searches raced 120 appends by two instances");
    }

    private PostgreSqlSessionStorage Storage(string schema, int backgroundBatch = 0)
    {
        var storage = PostgreSqlTestDatabase.CreateStorage(_schemas.DataSource, schema);
        storage.BackgroundIndexBatch = backgroundBatch;
        return storage;
    }

    private static async Task<List<SessionSearchHit>> SearchAsync(PostgreSqlSessionStorage storage, string text, int take = 100)
    {
        var hits = new List<SessionSearchHit>();
        await foreach (var hit in storage.SearchAsync(new SessionSearchQuery { Text = text, IncludeTitles = false, Take = take })) hits.Add(hit);
        return hits;
    }

    private Task<long> SearchRowsAsync(string schema) =>
        PostgreSqlTestDatabase.ScalarAsync<long>(_schemas.DataSource, $"SELECT count(*) FROM \"{schema}\".message_search");

    private Task<long> PendingAsync(string schema) =>
        PostgreSqlTestDatabase.ScalarAsync<long>(_schemas.DataSource, $"SELECT coalesce(sum(message_count - indexed_seq), 0)::bigint FROM \"{schema}\".session_rows");

    private static SessionInfo Session(string id) => new() { Id = id, CreatedAt = Time, UpdatedAt = Time };

    private static SessionMessage Message(int index, string text) => new()
    {
        Message = new ChatMessage(index % 2 == 0 ? ChatRole.User : ChatRole.Assistant, text),
        Timestamp = Time.AddSeconds(index),
    };
}

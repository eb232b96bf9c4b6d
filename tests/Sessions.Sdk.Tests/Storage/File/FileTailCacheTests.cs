using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;

namespace Sessions.Sdk.Tests;

/// <summary>The file store's in-memory tail of recent messages: never stale, never aliased.</summary>
[TestFixture]
public sealed class FileTailCacheTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private string _root = null!;
    private readonly List<FileSessionStorage> _stores = [];

    [SetUp]
    public void SetUp() => _root = Path.Combine(Path.GetTempPath(), "sessions-file-tail-" + Guid.NewGuid().ToString("N"));

    [TearDown]
    public void TearDown()
    {
        foreach (var store in _stores) store.Dispose();
        _stores.Clear();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    [Test]
    public async Task GetMessagesAsync_Last_ReturnsNewInstancesCallersMayMutate()
    {
        var store = NewStore();
        await store.CreateAsync(FileSessionStorageTests.Session("s"), FileSessionStorageTests.Messages(3, "m"));
        var appended = FileSessionStorageTests.Message(ChatRole.User, "appended");
        await store.AppendMessagesAsync("s", [appended]);
        appended.Message.Contents.Add(new TextContent(" changed after append"));

        var first = await store.GetMessagesAsync("s", MessageRange.Last(2));
        first[1].Message.Contents.Clear();
        first[1].Message.Contents.Add(new TextContent("mutated by caller"));
        first[0].Message.Role = ChatRole.System;
        var second = await store.GetMessagesAsync("s", MessageRange.Last(2));

        Assert.That(second.Select(m => m.Text), Is.EqualTo(new[] { "m3", "appended" }));
        Assert.That(second[0].Role, Is.EqualTo(ChatRole.User));
        Assert.That(second[1].Message, Is.Not.SameAs(first[1].Message));
        Assert.That((await NewStore().GetMessagesAsync("s", MessageRange.Last(2))).Select(m => m.Text), Is.EqualTo(new[] { "m3", "appended" }));
    }

    [Test]
    public async Task GetMessagesAsync_Last_AfterAnotherInstanceChangesTheJournal_ReadsTheFile()
    {
        var store = NewStore();
        await store.CreateAsync(FileSessionStorageTests.Session("s"), FileSessionStorageTests.Messages(5, "m"));
        Assert.That((await store.GetMessagesAsync("s", MessageRange.Last(2))).Select(m => m.Text), Is.EqualTo(new[] { "m4", "m5" }));

        // Another process (a second instance: its own locks and caches) appends.
        var other = NewStore();
        await other.AppendMessagesAsync("s", [FileSessionStorageTests.Message(ChatRole.User, "other")]);
        Assert.That((await store.GetMessagesAsync("s", MessageRange.Last(2))).Select(m => m.Text), Is.EqualTo(new[] { "m5", "other" }));

        // This instance appends on top of a journal it did not write last.
        await store.AppendMessagesAsync("s", [FileSessionStorageTests.Message(ChatRole.User, "mine")]);
        Assert.That((await store.GetMessagesAsync("s", MessageRange.Last(3))).Select(m => m.Text), Is.EqualTo(new[] { "m5", "other", "mine" }));

        // Another instance replaces the messages with as many bytes as before (new generation, same length).
        var info = await other.GetAsync("s");
        var same = (await other.GetMessagesAsync("s", MessageRange.All)).Select(m => FileSessionStorageTests.Message(m.Role, m.Text.Replace('m', 'x'))).ToArray();
        await other.ReplaceMessagesAsync("s", same, info!.Version);
        Assert.That((await store.GetMessagesAsync("s", MessageRange.Last(2))).Select(m => m.Text), Is.EqualTo(new[] { "other", "xine" }));

        // A torn append left by a dying writer elsewhere is not a message.
        await File.AppendAllTextAsync(store.JournalPath("s"), "{\"v\":1,\"seq\":99,");
        Assert.That((await store.GetMessagesAsync("s", MessageRange.Last(1))).Select(m => m.Text), Is.EqualTo(new[] { "xine" }));

        // Deleted elsewhere.
        Assert.That(await other.DeleteAsync("s"), Is.True);
        await Assert.ThrowsAsync<SessionNotFoundException>(async () => await store.GetMessagesAsync("s", MessageRange.Last(1)));
    }

    [Test]
    public async Task GetMessagesAsync_Last_FromCacheMatchesAFreshReadForEveryKindOfMessage()
    {
        var store = NewStore();
        await store.CreateAsync(FileSessionStorageTests.Session("s"), []);
        SessionMessage[] messages =
        [
            FileSessionStorageTests.Message(ChatRole.User, "plain"),
            FileSessionStorageTests.Message(ChatRole.Assistant, "with latency") with { Latency = TimeSpan.FromTicks(1_234_567), ProviderName = "p", ModelId = "m", Usage = new SessionUsage { InputTokens = 1, Cost = 0.10m }, Pinned = true },
            new SessionMessage { Timestamp = T0, Message = new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c1", "f", new Dictionary<string, object?> { ["a"] = 1 })]) },
            new SessionMessage { Timestamp = T0, Message = new ChatMessage(ChatRole.User, "named") { AuthorName = "bob" } },
            FileSessionStorageTests.Message(ChatRole.User, "U+FFFD \uFFFD and pair 😀"), // lone surrogates are refused by every store now (issue 9 item 7)
            FileSessionStorageTests.Message(ChatRole.User, "multi") with { Message = new ChatMessage(ChatRole.User, [new TextContent("a"), new TextContent("b")]) },
        ];
        foreach (var message in messages) await store.AppendMessagesAsync("s", [message]);

        for (int n = 1; n <= messages.Length + 1; n++)
        {
            foreach (int skip in new[] { 0, 1, 3 })
            {
                var range = new MessageRange(skip, n, fromEnd: true);
                var cached = await store.GetMessagesAsync("s", range);
                var fresh = await NewStore().GetMessagesAsync("s", range);
                Assert.That(cached.Select(Json), Is.EqualTo(fresh.Select(Json)), $"skip {skip}, last {n}");
                var again = await store.GetMessagesAsync("s", range);
                Assert.That(again.Select(Json), Is.EqualTo(fresh.Select(Json)), $"skip {skip}, last {n}, second read");
            }
        }
    }

    [Test]
    public async Task GetMessagesAsync_Last_AfterABatchLargerThanTheCache_ReturnsEveryMessageAskedFor()
    {
        var store = NewStore();
        await store.CreateAsync(FileSessionStorageTests.Session("s"), []);
        Assert.That(await store.GetMessagesAsync("s", MessageRange.Last(5)), Is.Empty);

        // The cache held every message (none) before this batch; it keeps only the batch's last lines, so it no longer does.
        int count = FileTailCache.Capacity + 40;
        await store.AppendMessagesAsync("s", FileSessionStorageTests.Messages(count, "b"));
        var batch = await store.GetMessagesAsync("s", MessageRange.Last(count + 1));
        Assert.That(batch.Select(m => m.Text), Is.EqualTo(Enumerable.Range(1, count).Select(i => "b" + i)));
        await store.AppendMessagesAsync("s", [FileSessionStorageTests.Message(ChatRole.User, "after")]);

        var last = await store.GetMessagesAsync("s", MessageRange.Last(count));
        Assert.That(last, Has.Count.EqualTo(count));
        Assert.That(last[0].Text, Is.EqualTo("b2"));
        Assert.That(last[^1].Text, Is.EqualTo("after"));
        Assert.That(last.Select(m => m.Sequence), Is.EqualTo(Enumerable.Range(2, count).Select(i => (long)i)));
        var fresh = await NewStore().GetMessagesAsync("s", MessageRange.Last(count));
        Assert.That(last.Select(Json), Is.EqualTo(fresh.Select(Json)));
        Assert.That((await store.GetMessagesAsync("s", MessageRange.Last(3))).Select(m => m.Text), Is.EqualTo(new[] { $"b{count - 1}", $"b{count}", "after" }));
    }

    private static string Json(SessionMessage message) => SessionJson.SerializeMessageToString(message);

    private FileSessionStorage NewStore()
    {
        var store = new FileSessionStorage(new FileStorageOptions { Directory = _root }, new FileSessionStorageTests.FixedClock(T0), NullLogger.Instance);
        _stores.Add(store);
        return store;
    }
}

using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;

namespace Sessions.Sdk.Tests;

[TestFixture]
public sealed class FileSessionStorageTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private string _parent = null!;
    private string _root = null!;
    private readonly List<FileSessionStorage> _stores = [];

    [SetUp]
    public void SetUp()
    {
        _parent = Path.Combine(Path.GetTempPath(), "sessions-file-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_parent);
        _root = Path.Combine(_parent, "root");
    }

    [TearDown]
    public void TearDown()
    {
        foreach (var store in _stores) store.Dispose();
        _stores.Clear();
        try { Directory.Delete(_parent, recursive: true); } catch (IOException) { }
    }

    [Test]
    public async Task AppendMessagesAsync_TornTail_IsIgnoredByReadersAndTruncatedByNextAppend()
    {
        var store = NewStore();
        await store.CreateAsync(Session("torn"), Messages(3, "m"));
        var journal = store.JournalPath("torn");
        long before = new FileInfo(journal).Length;
        await File.AppendAllTextAsync(journal, "{\"v\":1,\"seq\":4,\"ts\":\"2025-01-02T03:04:05+00:00\",\"msg\":{\"role\":\"user\",\"cont");

        var reader = NewStore();
        Assert.That((await reader.GetMessagesAsync("torn", MessageRange.All)).Select(m => m.Text), Is.EqualTo(new[] { "m1", "m2", "m3" }));
        Assert.That((await reader.GetMessagesAsync("torn", MessageRange.Last(2))).Select(m => m.Text), Is.EqualTo(new[] { "m2", "m3" }));
        Assert.That((await reader.GetAsync("torn"))!.MessageCount, Is.EqualTo(3));
        Assert.That(await ListIdsAsync(reader), Is.EqualTo(new[] { "torn" }));

        var appended = await NewStore().AppendMessagesAsync("torn", Messages(1, "after"));
        Assert.That(appended[0].Sequence, Is.EqualTo(4));
        var all = await NewStore().GetMessagesAsync("torn", MessageRange.All);
        Assert.That(all.Select(m => m.Text), Is.EqualTo(new[] { "m1", "m2", "m3", "after1" }));
        Assert.That(all.Select(m => m.Sequence), Is.EqualTo(new long[] { 1, 2, 3, 4 }));
        var lines = await File.ReadAllLinesAsync(journal);
        Assert.That(lines, Has.Length.EqualTo(5));
        Assert.That(new FileInfo(journal).Length, Is.GreaterThan(before));
        Assert.That(Directory.Exists(store.QuarantineDirectory), Is.False);
    }

    [Test]
    public async Task GetMessagesAsync_LastWithSkip_VaryingLineLengths_MatchesTheFullRead()
    {
        // Lengths from a few bytes to well past the first tail block, so the backwards read has to grow several times.
        var random = new Random(7);
        var messages = Enumerable.Range(1, 60)
            .Select(i => Message(i % 2 == 1 ? ChatRole.User : ChatRole.Assistant, i + ":" + new string('x', i % 7 == 0 ? random.Next(20_000, 90_000) : random.Next(0, 300))))
            .ToArray();
        var writer = NewStore();
        await writer.CreateAsync(Session("tail"), []);
        foreach (var message in messages) await writer.AppendMessagesAsync("tail", [message]);
        await File.AppendAllTextAsync(writer.JournalPath("tail"), "{\"v\":1,\"seq\":61,\"ts\":\"2025-01-02T03:");
        var all = (await NewStore().GetMessagesAsync("tail", MessageRange.All)).Select(m => m.Text).ToArray();
        Assert.That(all, Has.Length.EqualTo(60));

        foreach (var store in new[] { writer, NewStore() })
        {
            foreach (int take in new[] { 1, 2, 7, 20, 59, 60, 61, 200 })
            {
                foreach (int skip in new[] { 0, 1, 5, 59, 60, 70 })
                {
                    var got = await store.GetMessagesAsync("tail", new MessageRange(skip, take, fromEnd: true));
                    int end = Math.Max(0, all.Length - skip);
                    var expected = all[Math.Max(0, end - take)..end];
                    Assert.That(got.Select(m => m.Text), Is.EqualTo(expected), $"skip {skip}, take {take}");
                }
            }
        }
    }

    [Test]
    public async Task GetMessagesAsync_CorruptLineInTheMiddle_NamesTheRecordKeepsTheRestReadableAndSalvages()
    {
        // Issue 10: the session stays visible, every readable message stays available, the record is named, recovery is an API.
        var store = NewStore();
        await store.CreateAsync(Session("bad"), Messages(3, "m"));
        await store.CreateAsync(Session("good"), Messages(2, "g"));
        var journal = store.JournalPath("bad");
        var lines = await File.ReadAllLinesAsync(journal);
        long offset = Encoding.UTF8.GetByteCount(lines[0]) + 1 + Encoding.UTF8.GetByteCount(lines[1]) + 1;
        lines[2] = "{\"v\":1,\"seq\":2,this is not json}";
        await File.WriteAllTextAsync(journal, string.Join('\n', lines) + "\n");

        var reader = NewStore();
        var ex = await Assert.ThrowsAsync<SessionFormatException>(async () => await reader.GetMessagesAsync("bad", MessageRange.All));
        Assert.That(ex!.SessionId, Is.EqualTo("bad"));
        Assert.That(ex.Sequence, Is.EqualTo(2));
        Assert.That(ex.Offset, Is.EqualTo(offset));
        Assert.That(ex.Message, Does.Contain("'bad'").And.Contain("sequence 2").And.Contain($"byte offset {offset}").And.Contain("SalvageAsync"));

        // Still there: listed, its info and the readable messages around the damage available, appends still numbered right.
        Assert.That(File.Exists(journal), Is.True);
        Assert.That(await ListIdsAsync(reader), Is.EqualTo(new[] { "bad", "good" }));
        Assert.That((await reader.GetAsync("bad"))!.MessageCount, Is.EqualTo(3));
        Assert.That((await reader.GetMessagesAsync("bad", MessageRange.Last(1))).Single().Text, Is.EqualTo("m3"));
        Assert.That((await reader.GetMessagesAsync("bad", MessageRange.First(1))).Single().Text, Is.EqualTo("m1"));
        Assert.That((await reader.AppendMessagesAsync("bad", Messages(1, "n"))).Single().Sequence, Is.EqualTo(4));

        // Recovery: listed with the record named, salvaged keeping every readable message, the damaged bytes kept aside.
        ISessionRecovery recovery = reader;
        var damaged = await recovery.ListDamagedAsync().ToListAsync();
        Assert.That(damaged.Select(d => d.SessionId), Is.EqualTo(new[] { "bad" }));
        Assert.That(damaged[0].Records.Single(), Is.EqualTo(new DamagedRecord(2, offset, damaged[0].Records.Single().Reason)));
        var result = await recovery.SalvageAsync(damaged[0].RecoveryId);
        Assert.That(result.KeptMessages, Is.EqualTo(3));
        Assert.That(result.DroppedRecords.Single().Sequence, Is.EqualTo(2));
        Assert.That(File.ReadAllText(Path.Combine(result.BackupLocation!, "bad.jsonl")), Does.Contain("this is not json"));
        Assert.That((await NewStore().GetMessagesAsync("bad", MessageRange.All)).Select(m => m.Text), Is.EqualTo(new[] { "m1", "m3", "n1" }));
        Assert.That(await recovery.ListDamagedAsync().ToListAsync(), Is.Empty);
        Assert.That((await reader.GetMessagesAsync("good", MessageRange.All)).Select(m => m.Text), Is.EqualTo(new[] { "g1", "g2" }));
    }

    [Test]
    public async Task ListDamagedAsync_QuarantinedMetadata_ListedAndSalvagedBackUnderItsId()
    {
        var store = NewStore();
        await store.CreateAsync(Session("broken"), Messages(2, "b"));
        await File.WriteAllTextAsync(store.MetaPath("broken"), "{\"schemaVersion\":1,\"id\":\"broken\",\"title\":");
        Assert.That(await ListIdsAsync(NewStore()), Is.Empty);

        ISessionRecovery recovery = NewStore();
        var damaged = (await recovery.ListDamagedAsync().ToListAsync()).Single();
        Assert.That(damaged.SessionId, Is.EqualTo("broken"));
        Assert.That(damaged.SetAside, Is.True);
        Assert.That(damaged.Reason, Does.Contain("metadata document"));
        var result = await recovery.SalvageAsync(damaged.RecoveryId);
        Assert.That(result.KeptMessages, Is.EqualTo(2));
        Assert.That((await NewStore().GetMessagesAsync("broken", MessageRange.All)).Select(m => m.Text), Is.EqualTo(new[] { "b1", "b2" }));
        Assert.That(await recovery.ListDamagedAsync().ToListAsync(), Is.Empty);
    }

    [Test]
    public async Task ListAsync_CorruptMetadataDocument_SkipsAndQuarantinesItOthersStillList()
    {
        var store = NewStore();
        await store.CreateAsync(Session("broken"), Messages(1, "b"));
        await store.CreateAsync(Session("fine"), Messages(1, "f"));
        await File.WriteAllTextAsync(store.MetaPath("broken"), "{\"schemaVersion\":1,\"id\":\"broken\",\"title\":");

        var reader = NewStore();
        Assert.That(await ListIdsAsync(reader), Is.EqualTo(new[] { "fine" }));
        Assert.That(Directory.GetFiles(store.QuarantineDirectory, "broken.meta.json", SearchOption.AllDirectories), Has.Length.EqualTo(1));
        Assert.That(await reader.ExistsAsync("broken"), Is.False);
        Assert.That((await reader.GetAsync("fine"))!.MessageCount, Is.EqualTo(1));
    }

    [Test]
    public async Task GetAsync_CorruptMetadataDocument_ThrowsSessionFormatExceptionNamingSession()
    {
        var store = NewStore();
        await store.CreateAsync(Session("broken"), []);
        await File.WriteAllTextAsync(store.MetaPath("broken"), "not json at all");

        var ex = await Assert.ThrowsAsync<SessionFormatException>(async () => await NewStore().GetAsync("broken"));
        Assert.That(ex!.SessionId, Is.EqualTo("broken"));
        Assert.That(Directory.GetFiles(store.QuarantineDirectory, "broken.meta.json", SearchOption.AllDirectories), Has.Length.EqualTo(1));
    }

    [Test]
    public async Task GetAsync_NewerMetadataSchemaVersion_ThrowsAndKeepsTheFiles()
    {
        var store = NewStore();
        await store.CreateAsync(Session("future"), Messages(1, "x"));
        var meta = await File.ReadAllTextAsync(store.MetaPath("future"));
        await File.WriteAllTextAsync(store.MetaPath("future"), meta.Replace("\"schemaVersion\": 1", "\"schemaVersion\": 99", StringComparison.Ordinal));

        var ex = await Assert.ThrowsAsync<SessionFormatException>(async () => await NewStore().GetAsync("future"));
        Assert.That(ex!.Message, Does.Contain("99").And.Contain("future"));
        Assert.That(File.Exists(store.MetaPath("future")), Is.True, "a newer format must never be moved aside or lost");
        Assert.That(Directory.Exists(store.QuarantineDirectory), Is.False);
        Assert.That(await ListIdsAsync(NewStore()), Is.Empty);
    }

    [Test]
    public async Task GetMessagesAsync_NewerMessageSchemaVersion_ThrowsAndKeepsTheFiles()
    {
        var store = NewStore();
        await store.CreateAsync(Session("future"), Messages(2, "x"));
        var journal = store.JournalPath("future");
        var text = await File.ReadAllTextAsync(journal);
        await File.WriteAllTextAsync(journal, text.Replace("{\"v\":1,\"seq\":2", "{\"v\":7,\"seq\":2", StringComparison.Ordinal));

        var ex = await Assert.ThrowsAsync<SessionFormatException>(async () => await NewStore().GetMessagesAsync("future", MessageRange.All));
        Assert.That(ex!.Message, Does.Contain("version 7"));
        Assert.That(File.Exists(journal), Is.True);
        Assert.That(Directory.Exists(store.QuarantineDirectory), Is.False);
    }

    [Test]
    public async Task GetAsync_NewerJournalSchemaVersion_ThrowsAndKeepsTheFiles()
    {
        var store = NewStore();
        await store.CreateAsync(Session("future"), Messages(1, "x"));
        var journal = store.JournalPath("future");
        var text = await File.ReadAllTextAsync(journal);
        await File.WriteAllTextAsync(journal, text.Replace("{\"schemaVersion\":2,", "{\"schemaVersion\":3,", StringComparison.Ordinal));

        var ex = await Assert.ThrowsAsync<SessionFormatException>(async () => await NewStore().GetMessagesAsync("future", MessageRange.All));
        Assert.That(ex!.Message, Does.Contain("schemaVersion 3").And.Contain("'future'"));
        await Assert.ThrowsAsync<SessionFormatException>(async () => await NewStore().AppendMessagesAsync("future", Messages(1, "y")));
        Assert.That(await File.ReadAllTextAsync(journal), Does.StartWith("{\"schemaVersion\":3,"), "nothing is appended to or rewritten in a newer format");
        Assert.That(Directory.Exists(store.QuarantineDirectory), Is.False);
    }

    [Test]
    public async Task GetMessagesAsync_RangesOverLargeJournal_ReturnTheRightMessages()
    {
        var store = NewStore();
        var big = new string('x', 3000);
        await store.CreateAsync(Session("big"), []);
        for (int i = 1; i <= 120; i++)
        {
            await store.AppendMessagesAsync("big", [Message(ChatRole.User, $"{i}:{big}")]);
        }

        var reader = NewStore();
        static long[] Seqs(IReadOnlyList<SessionMessage> m) => [.. m.Select(x => x.Sequence)];
        Assert.That(Seqs(await reader.GetMessagesAsync("big", MessageRange.Last(3))), Is.EqualTo(new long[] { 118, 119, 120 }));
        Assert.That(Seqs(await reader.GetMessagesAsync("big", MessageRange.Last(40))), Is.EqualTo(Enumerable.Range(81, 40).Select(i => (long)i).ToArray()));
        Assert.That(Seqs(await reader.GetMessagesAsync("big", MessageRange.First(2))), Is.EqualTo(new long[] { 1, 2 }));
        Assert.That(Seqs(await reader.GetMessagesAsync("big", MessageRange.Slice(50, 3))), Is.EqualTo(new long[] { 51, 52, 53 }));
        Assert.That(Seqs(await reader.GetMessagesAsync("big", new MessageRange(5, 2, fromEnd: true))), Is.EqualTo(new long[] { 114, 115 }));
        Assert.That(Seqs(await reader.GetMessagesAsync("big", new MessageRange(118, null, fromEnd: true))), Is.EqualTo(new long[] { 1, 2 }));
        Assert.That(Seqs(await reader.GetMessagesAsync("big", MessageRange.Last(500))), Has.Length.EqualTo(120));
        Assert.That((await reader.GetMessagesAsync("big", MessageRange.All)).Count, Is.EqualTo(120));
        Assert.That((await reader.GetMessagesAsync("big", MessageRange.Last(1)))[0].Text, Does.StartWith("120:"));
    }

    [Test]
    public async Task ListAsync_NewProcessAfterAppendsWithoutDispose_CountsTheDelta()
    {
        var writer = new FileSessionStorage(new FileStorageOptions { Directory = _root }, new FixedClock(T0), NullLogger.Instance);
        await writer.CreateAsync(Session("delta"), Messages(2, "m"));
        await writer.AppendMessagesAsync("delta", [Message(ChatRole.User, "x") with { Usage = new SessionUsage { InputTokens = 5, Requests = 1 } }]);
        await writer.AppendMessagesAsync("delta", [Message(ChatRole.Assistant, "y") with { Usage = new SessionUsage { OutputTokens = 7, Requests = 1 } }]);

        // No Dispose: the summary in the metadata document is stale, as after a crash.
        var listed = (await NewStore().ListAsync(new SessionQuery()).ToListAsync()).Single();
        Assert.That(listed.MessageCount, Is.EqualTo(4));
        Assert.That(listed.Usage, Is.EqualTo(new SessionUsage { InputTokens = 5, OutputTokens = 7, Requests = 2 }));
        writer.Dispose();
        var afterDispose = (await NewStore().ListAsync(new SessionQuery()).ToListAsync()).Single();
        Assert.That(afterDispose.MessageCount, Is.EqualTo(4));
        Assert.That(afterDispose.Usage.Requests, Is.EqualTo(2));
    }

    [Test]
    public async Task ReplaceMessagesAsync_KeepsUsageAndVersionAcrossInstances()
    {
        var store = NewStore();
        var created = await store.CreateAsync(Session("rep"), [Message(ChatRole.User, "a") with { Usage = new SessionUsage { InputTokens = 10, Requests = 1 } }]);
        await store.AppendMessagesAsync("rep", [Message(ChatRole.Assistant, "b") with { Usage = new SessionUsage { OutputTokens = 3, Requests = 1 } }]);
        await Assert.ThrowsAsync<SessionConcurrencyException>(async () => await store.ReplaceMessagesAsync("rep", [], created.Version), "the append advanced the version");
        var replaced = await store.ReplaceMessagesAsync("rep", [], (await store.GetAsync("rep"))!.Version);
        Assert.That(replaced.Version, Is.EqualTo(created.Version + 2));
        Assert.That(replaced.MessageCount, Is.Zero);
        Assert.That(replaced.Usage, Is.EqualTo(new SessionUsage { InputTokens = 10, OutputTokens = 3, Requests = 2 }));

        var other = NewStore();
        var loaded = await other.GetAsync("rep");
        Assert.That(loaded!.Version, Is.EqualTo(replaced.Version));
        Assert.That(loaded.Usage, Is.EqualTo(replaced.Usage));
        await Assert.ThrowsAsync<SessionConcurrencyException>(async () => await other.ReplaceMessagesAsync("rep", [], 1));
        var appended = await other.AppendMessagesAsync("rep", Messages(1, "c"));
        Assert.That(appended[0].Sequence, Is.EqualTo(1));
        Assert.That((await store.AppendMessagesAsync("rep", Messages(1, "d")))[0].Sequence, Is.EqualTo(2), "a cached state must notice the replacement");
    }

    [Test]
    public async Task AppendMessagesAsync_SixteenThreadsAndTwoInstances_LoseNothingAndKeepEachWritersOrder()
    {
        var first = NewStore();
        var second = NewStore();
        await first.CreateAsync(Session("threads"), []);
        const int writers = 16, each = 40;
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var store = w % 2 == 0 ? first : second;
            for (int i = 0; i < each; i++) await store.AppendMessagesAsync("threads", [Message(ChatRole.User, $"w{w}-{i}")]);
        })));

        var all = await NewStore().GetMessagesAsync("threads", MessageRange.All);
        TestContext.Out.WriteLine($"16 threads x {each} appends over two store instances: {all.Count} stored");
        Assert.That(all, Has.Count.EqualTo(writers * each));
        Assert.That(all.Select(m => m.Text).Distinct().Count(), Is.EqualTo(writers * each));
        Assert.That(all.Select(m => m.Sequence), Is.EqualTo(Enumerable.Range(1, writers * each).Select(i => (long)i)));
        for (int w = 0; w < writers; w++)
        {
            var order = all.Where(m => m.Text.StartsWith($"w{w}-", StringComparison.Ordinal)).Select(m => int.Parse(m.Text[(m.Text.IndexOf('-') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
            Assert.That(order, Is.Ordered);
        }
    }

    [Test]
    public async Task Methods_HostileIds_ThrowArgumentExceptionNamingTheParameterAndWriteNothing()
    {
        string[] hostile =
        [
            "", " ", "\t", "  x", "x ", ".", "..", "../x", "..\\x", "x/..", "a/b", "a\\b", "/etc/passwd", "\\\\server\\share",
            "C:\\Windows", "C:", "/", "~", "~/x", "con", "CON", "nul", "nul.txt", "aux", "com1", "lpt9", "prn.log",
            "x\0y", "\0", "a\nb", "a\rb", "\u0001", "\u007f", new string('a', 129), new string('x', 4096), "ab.", ".hidden",
            "-dash", "_under", "a..b", "ａｂｃ", "аbc", "ab\u200bc", "ab\u202ec", "café", "x:y", "x*y", "x?y", "x|y", "x<y", "x>y", "x\"y",
            "%2e%2e", "x%00", "*", "a b",
        ];
        Assert.That(hostile, Has.Length.GreaterThanOrEqualTo(30));
        var store = NewStore();
        foreach (var id in hostile)
        {
            var shown = Printable(id);
            await AssertRejectedAsync(() => store.CreateAsync(Session(id), []).AsTask(), "session", shown);
            await AssertRejectedAsync(() => store.UpdateAsync(Session(id)).AsTask(), "session", shown);
            await AssertRejectedAsync(() => store.GetAsync(id).AsTask(), "sessionId", shown);
            await AssertRejectedAsync(() => store.AppendMessagesAsync(id, Messages(1, "m")).AsTask(), "sessionId", shown);
            await AssertRejectedAsync(() => store.GetMessagesAsync(id, MessageRange.All).AsTask(), "sessionId", shown);
            await AssertRejectedAsync(() => store.ReplaceMessagesAsync(id, [], 1).AsTask(), "sessionId", shown);
            await AssertRejectedAsync(() => store.DeleteAsync(id).AsTask(), "sessionId", shown);
            await AssertRejectedAsync(() => store.ExistsAsync(id).AsTask(), "sessionId", shown);
        }

        Assert.That(Directory.GetFileSystemEntries(_parent, "*", SearchOption.AllDirectories), Is.Empty, "nothing may be written, inside or outside the root");
        Assert.That(SessionIds.IsValid(null), Is.False);
        await AssertRejectedAsync(() => store.GetAsync(null!).AsTask(), "sessionId", "null");
    }

    [Test]
    public async Task CreateAsync_RootMissing_CreatesItLazilyOnFirstWrite()
    {
        var store = NewStore();
        Assert.That(await store.ListAsync(new SessionQuery()).ToListAsync(), Is.Empty);
        Assert.That(await store.GetAsync("nothing"), Is.Null);
        Assert.That(Directory.Exists(_root), Is.False);
        await store.CreateAsync(Session("first"), []);
        Assert.That(File.Exists(Path.Combine(_root, "first.meta.json")), Is.True);
        Assert.That(File.Exists(Path.Combine(_root, "first.jsonl")), Is.True);
    }

    [Test]
    public async Task DeleteAsync_RemovesBothFiles()
    {
        var store = NewStore();
        await store.CreateAsync(Session("gone"), Messages(2, "m"));
        Assert.That(await store.DeleteAsync("gone"), Is.True);
        Assert.That(File.Exists(store.MetaPath("gone")), Is.False);
        Assert.That(File.Exists(store.JournalPath("gone")), Is.False);
        Assert.That(await store.DeleteAsync("gone"), Is.False);
        await Assert.ThrowsAsync<SessionNotFoundException>(async () => await store.AppendMessagesAsync("gone", Messages(1, "x")));
    }

    [Test]
    public async Task AppendMessagesAsync_OrphanJournalWithoutMetadata_IsNotASession()
    {
        var store = NewStore();
        await store.CreateAsync(Session("orphan"), Messages(1, "m"));
        File.Delete(store.MetaPath("orphan"));
        await Assert.ThrowsAsync<SessionNotFoundException>(async () => await store.AppendMessagesAsync("orphan", Messages(1, "x")));
        Assert.That(await store.GetAsync("orphan"), Is.Null);
        var created = await store.CreateAsync(Session("orphan"), Messages(1, "new"));
        Assert.That(created.MessageCount, Is.EqualTo(1));
        Assert.That((await store.GetMessagesAsync("orphan", MessageRange.All)).Single().Text, Is.EqualTo("new1"));
    }

    [Test]
    public async Task AppendMessagesAsync_FsyncOnAppend_StoresTheSameBytes()
    {
        var store = new FileSessionStorage(new FileStorageOptions { Directory = _root, FsyncOnAppend = true }, new FixedClock(T0), NullLogger.Instance);
        _stores.Add(store);
        await store.CreateAsync(Session("durable"), []);
        await store.AppendMessagesAsync("durable", Messages(3, "d"));
        Assert.That((await NewStore().GetMessagesAsync("durable", MessageRange.All)).Select(m => m.Text), Is.EqualTo(new[] { "d1", "d2", "d3" }));
    }

    [Test]
    public void Options_InvalidValues_ThrowNamingTheOption()
    {
        var timeout = Assert.Throws<ArgumentOutOfRangeException>(() => new FileStorageOptions { LockTimeout = TimeSpan.Zero }.Validate());
        Assert.That(timeout!.ParamName, Is.EqualTo("LockTimeout"));
        var interval = Assert.Throws<ArgumentOutOfRangeException>(() => new FileStorageOptions { SummaryInterval = 10 }.Validate());
        Assert.That(interval!.ParamName, Is.EqualTo("SummaryInterval"));
        var directory = Assert.Throws<ArgumentException>(() => new FileStorageOptions { Directory = " " }.Validate());
        Assert.That(directory!.Message, Does.Contain("FileStorageOptions.Directory"));
        string entryName = System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name ?? "Sessions.Sdk";
        Assert.That(FileStorageOptions.DefaultDirectory(), Does.EndWith(Path.Combine(entryName, "sessions")));
    }

    private static async Task AssertRejectedAsync(Func<Task> action, string paramName, string shown)
    {
        try
        {
            await action();
            Assert.Fail($"'{shown}' was accepted");
        }
        catch (ArgumentException ex)
        {
            Assert.That(ex.ParamName, Is.EqualTo(paramName), $"'{shown}'");
        }
    }

    private static string Printable(string id) =>
        id.Length > 30 ? id[..30] + "..." : new string([.. id.Select(c => char.IsControl(c) ? '?' : c)]);

    private static async Task<string[]> ListIdsAsync(ISessionStorage storage) =>
        [.. (await storage.ListAsync(new SessionQuery()).ToListAsync()).Select(s => s.Id).Order(StringComparer.Ordinal)];

    private FileSessionStorage NewStore()
    {
        var store = new FileSessionStorage(new FileStorageOptions { Directory = _root }, new FixedClock(T0), NullLogger.Instance);
        _stores.Add(store);
        return store;
    }

    internal static SessionInfo Session(string id) => new() { Id = id, Title = "t " + id, CreatedAt = T0, UpdatedAt = T0 };

    internal static SessionMessage Message(ChatRole role, string text) => new() { Message = new ChatMessage(role, text), Timestamp = T0 };

    internal static SessionMessage[] Messages(int count, string prefix) =>
        [.. Enumerable.Range(1, count).Select(i => Message(i % 2 == 1 ? ChatRole.User : ChatRole.Assistant, prefix + i))];

    internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}

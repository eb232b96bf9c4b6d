using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;

namespace Sessions.Sdk.Tests;

/// <summary>The file store's listing catalog (<c>.catalog/sessions.bin</c>): only a cache, so listings stay exact whatever happened since it was written.</summary>
[TestFixture]
public sealed class FileSessionCatalogTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private string _root = null!;
    private readonly List<FileSessionStorage> _stores = [];

    private string CatalogPath => Path.Combine(_root, ".catalog", "sessions.bin");

    [SetUp]
    public void SetUp() => _root = Path.Combine(Path.GetTempPath(), "sessions-file-catalog-" + Guid.NewGuid().ToString("N"));

    [TearDown]
    public void TearDown()
    {
        foreach (var store in _stores) store.Dispose();
        _stores.Clear();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    [Test]
    public async Task ListAsync_UnchangedSettledFiles_AreServedFromTheCatalog()
    {
        var store = NewStore();
        for (int i = 1; i <= 3; i++) await store.CreateAsync(FileSessionStorageTests.Session("s" + i), FileSessionStorageTests.Messages(i, "m"));
        Settle();
        await AssertListingExactAsync(store);
        Assert.That(File.Exists(CatalogPath), Is.True);

        // Same length, same last-write time, different content: only a listing served from the catalog still shows the old title.
        string meta = store.MetaPath("s2");
        var written = File.GetLastWriteTimeUtc(meta);
        await File.WriteAllTextAsync(meta, (await File.ReadAllTextAsync(meta)).Replace("\"t s2\"", "\"x s2\"", StringComparison.Ordinal));
        File.SetLastWriteTimeUtc(meta, written);

        var listed = await ListAsync(NewStore());
        Assert.That(listed.Single(s => s.Id == "s2").Title, Is.EqualTo("t s2"));
    }

    [Test]
    public async Task ListAsync_AfterAnotherInstanceCreatesDeletesAppendsUpdatesAndRenames_IsExact()
    {
        var store = NewStore();
        for (int i = 1; i <= 4; i++) await store.CreateAsync(FileSessionStorageTests.Session("s" + i), FileSessionStorageTests.Messages(i, "m"));
        Settle();
        await AssertListingExactAsync(store);
        await AssertListingExactAsync(store);

        // Another process: its own instance, no shared memory.
        var other = NewStore();
        await other.CreateAsync(FileSessionStorageTests.Session("s5"), FileSessionStorageTests.Messages(2, "n"));
        Assert.That(await other.DeleteAsync("s2"), Is.True);
        await other.AppendMessagesAsync("s3", [FileSessionStorageTests.Message(ChatRole.User, "more")]);
        var s4 = (await other.GetAsync("s4"))!;
        await other.UpdateAsync(s4 with { Title = "x s4" });
        var s1 = (await other.GetAsync("s1"))!;
        var s1Messages = await other.GetMessagesAsync("s1", MessageRange.All);
        await other.CreateAsync(s1 with { Id = "s9" }, [.. s1Messages.Select(m => m with { Sequence = 0 })]);
        Assert.That(await other.DeleteAsync("s1"), Is.True);

        var listed = await AssertListingExactAsync(store);
        Assert.That(listed.Select(s => s.Id), Is.EqualTo(new[] { "s3", "s4", "s5", "s9" }));
        Assert.That(listed.Single(s => s.Id == "s3").MessageCount, Is.EqualTo(4));
        Assert.That(listed.Single(s => s.Id == "s4").Title, Is.EqualTo("x s4"));

        // Settled again (fresh instances: moving times back is not something a live writer's cached state expects), from the rebuilt catalog.
        Settle();
        await AssertListingExactAsync(NewStore());
        await AssertListingExactAsync(NewStore());
    }

    [Test]
    public async Task ListAsync_FileRewrittenWithinTheCatalogsTimestampTick_IsReadAgain()
    {
        var store = NewStore();
        await store.CreateAsync(FileSessionStorageTests.Session("s1"), FileSessionStorageTests.Messages(1, "m"));
        await AssertListingExactAsync(store);

        // A rewrite of the same length in the same timestamp tick as the catalog saw: indistinguishable by length and time.
        string meta = store.MetaPath("s1");
        var written = File.GetLastWriteTimeUtc(meta);
        await File.WriteAllTextAsync(meta, (await File.ReadAllTextAsync(meta)).Replace("\"t s1\"", "\"x s1\"", StringComparison.Ordinal));
        File.SetLastWriteTimeUtc(meta, written);

        var listed = await ListAsync(NewStore());
        Assert.That(listed.Single().Title, Is.EqualTo("x s1"));
    }

    [TestCase("")]
    [TestCase("not a catalog at all")]
    [TestCase("{\"schemaVersion\":1,\"type\":\"sessions.catalog\",\"snapshot\":1}\n")]
    public async Task ListAsync_DamagedCatalog_IsIgnoredAndRebuilt(string content)
    {
        var store = NewStore();
        for (int i = 1; i <= 3; i++) await store.CreateAsync(FileSessionStorageTests.Session("s" + i), FileSessionStorageTests.Messages(i, "m"));
        Settle();
        await AssertListingExactAsync(store);
        await File.WriteAllTextAsync(CatalogPath, content);

        await AssertListingExactAsync(NewStore());
        var rebuilt = FileSessionCatalog.TryRead(CatalogPath);
        Assert.That(rebuilt, Is.Not.Null);
        Assert.That(rebuilt!.Records.Select(r => r.Info.Id).Order(StringComparer.Ordinal), Is.EqualTo(new[] { "s1", "s2", "s3" }));
        await AssertListingExactAsync(NewStore());
        Assert.That(Directory.Exists(NewStore().QuarantineDirectory), Is.False);
    }

    [Test]
    public async Task ListAsync_CatalogCutShortOrWithABitFlipped_ListsExactlyAndNeverThrows()
    {
        var store = NewStore();
        for (int i = 1; i <= 3; i++) await store.CreateAsync(FileSessionStorageTests.Session("s" + i), FileSessionStorageTests.Messages(i, "m"));
        await PrimeAsync(store);
        byte[] good = await File.ReadAllBytesAsync(CatalogPath);
        var random = new Random(7);
        for (int round = 0; round < 40; round++)
        {
            byte[] bad = round % 2 == 0 ? good[..random.Next(good.Length)] : (byte[])good.Clone();
            if (round % 2 == 1) bad[random.Next(bad.Length)] ^= (byte)(1 << random.Next(8));
            await File.WriteAllBytesAsync(CatalogPath, bad);
            var listed = await ListAsync(NewStore());
            Assert.That(listed.Select(s => s.Id), Is.EqualTo(new[] { "s1", "s2", "s3" }), $"round {round}");
        }

        Assert.That(Directory.Exists(NewStore().QuarantineDirectory), Is.False);
    }

    [Test]
    public void TryParse_EveryTruncationAndEveryByteFlip_ReturnsNullOrACatalogNeverThrows()
    {
        var info = RichSession("s1");
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        FileSessionCatalog.Write(buffer, 5_000_000, 4_000_000, [new FileSessionCatalog.Record(new FileStat(10, 20), new FileStat(30, 40), info)]);
        byte[] good = buffer.WrittenSpan.ToArray();
        Assert.That(FileSessionCatalog.TryParse(good), Is.Not.Null);
        for (int length = 0; length < good.Length; length++)
        {
            Assert.That(FileSessionCatalog.TryParse(good.AsSpan(0, length)), Is.Null, $"cut at {length}");
        }

        for (int i = 0; i < good.Length; i++)
        {
            byte[] bad = (byte[])good.Clone();
            bad[i] ^= 0xFF;
            Assert.DoesNotThrow(() => FileSessionCatalog.TryParse(bad), $"byte {i} flipped");
        }
    }

    [Test]
    public void WriteThenTryParse_RoundTripsEveryListedField()
    {
        var sessions = new[] { RichSession("s1"), FileSessionStorageTests.Session("s2") with { CreatedAt = T0, UpdatedAt = T0 } };
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        FileSessionCatalog.Write(buffer, 5_000_000, 4_000_000, [.. sessions.Select((s, i) => new FileSessionCatalog.Record(new FileStat(i, i + 1), new FileStat(i + 2, i + 3), s))]);

        var parsed = FileSessionCatalog.TryParse(buffer.WrittenSpan);

        Assert.That(parsed, Is.Not.Null);
        Assert.That(parsed!.SnapshotTicks, Is.EqualTo(5_000_000));
        Assert.That(parsed.RootWriteTicks, Is.EqualTo(4_000_000));
        Assert.That(parsed.Records.Select(r => Describe(r.Info)), Is.EqualTo(sessions.Select(Describe)));
        Assert.That(parsed.Records.Select(r => (r.Meta, r.Journal)), Is.EqualTo(new[] { (new FileStat(0, 1), new FileStat(2, 3)), (new FileStat(1, 2), new FileStat(3, 4)) }));
        Assert.That(parsed.Records[0].Info.CreatedAt.Offset, Is.EqualTo(TimeSpan.FromHours(-5.5)));
    }

    [Test]
    public async Task ListAsync_UnchangedDirectory_IsListedWithoutReadingIt_AndAppendsAreStillSeen()
    {
        var store = NewStore();
        for (int i = 1; i <= 4; i++) await store.CreateAsync(FileSessionStorageTests.Session("s" + i), FileSessionStorageTests.Messages(i, "m"));
        await PrimeAsync(store);

        var reader = NewStore();
        var catalogWritten = File.GetLastWriteTimeUtc(CatalogPath);
        await AssertListingExactAsync(reader);
        Assert.That(reader.DirectoryListings, Is.Zero, "an unchanged directory is not read again");
        Assert.That(File.GetLastWriteTimeUtc(CatalogPath), Is.EqualTo(catalogWritten), "every record held: nothing to rewrite (journal times compare equal however they were read)");

        // Appends (another instance, as another process would) change only the journal: still no directory read, and exact.
        var other = NewStore();
        await other.AppendMessagesAsync("s3", [FileSessionStorageTests.Message(ChatRole.User, "more"), FileSessionStorageTests.Message(ChatRole.Assistant, "and more")]);
        var listed = await AssertListingExactAsync(reader);
        Assert.That(listed.Single(s => s.Id == "s3").MessageCount, Is.EqualTo(5));
        Assert.That(reader.DirectoryListings, Is.Zero);

        // The catalog was brought up to date and still covers the directory: a new instance reads no session and no directory.
        var again = NewStore();
        await AssertListingExactAsync(again);
        Assert.That(again.DirectoryListings, Is.Zero);
    }

    [Test]
    public async Task ListAsync_FirstListingOfASettledStore_WritesACatalogThatCoversTheDirectory()
    {
        var store = NewStore();
        for (int i = 1; i <= 3; i++) await store.CreateAsync(FileSessionStorageTests.Session("s" + i), FileSessionStorageTests.Messages(i, "m"));
        Settle();

        var first = NewStore();
        await AssertListingExactAsync(first);
        var second = NewStore();
        await AssertListingExactAsync(second);

        Assert.That((first.DirectoryListings, second.DirectoryListings), Is.EqualTo((1, 0)));
    }

    [Test]
    public async Task ListAsync_AfterChangesThatTouchTheDirectory_ReadsItAgainAndIsExact()
    {
        var store = NewStore();
        for (int i = 1; i <= 4; i++) await store.CreateAsync(FileSessionStorageTests.Session("s" + i), FileSessionStorageTests.Messages(i, "m"));
        await PrimeAsync(store);
        var other = NewStore();
        var changes = new (string What, Func<Task> Change)[]
        {
            ("create", async () => await other.CreateAsync(FileSessionStorageTests.Session("s7"), FileSessionStorageTests.Messages(1, "n"))),
            ("delete", async () => await other.DeleteAsync("s1")),
            ("rename", async () => await other.UpdateAsync((await other.GetAsync("s2"))! with { Title = "renamed" })),
            ("tag", async () => await other.UpdateAsync((await other.GetAsync("s4"))! with { Tags = ["x"] })),
            ("truncate", async () => await other.ReplaceMessagesAsync("s3", [.. await other.GetMessagesAsync("s3", MessageRange.Last(1))], (await other.GetAsync("s3"))!.Version)),
        };
        foreach (var (what, change) in changes)
        {
            await change();
            var reader = NewStore();
            var listed = await AssertListingExactAsync(reader);
            Assert.That(reader.DirectoryListings, Is.EqualTo(1), what);
            if (what == "rename") Assert.That(listed.Single(s => s.Id == "s2").Title, Is.EqualTo("renamed"));
            if (what == "truncate") Assert.That(listed.Single(s => s.Id == "s3").MessageCount, Is.EqualTo(1));
            await PrimeAsync(store);
        }

        Assert.That((await ListAsync(NewStore())).Select(s => s.Id), Is.EqualTo(new[] { "s2", "s3", "s4", "s7" }));
    }

    [Test]
    public async Task ListAsync_CatalogOfAnEarlierVersionInTheRoot_IsIgnoredAndRemoved()
    {
        var store = NewStore();
        await store.CreateAsync(FileSessionStorageTests.Session("s1"), FileSessionStorageTests.Messages(1, "m"));
        string legacy = Path.Combine(_root, ".catalog.json");
        await File.WriteAllTextAsync(legacy, "{\"schemaVersion\":1,\"type\":\"sessions.catalog\",\"snapshot\":1}\n{\"id\":\"ghost\"}\n");

        Assert.That((await ListAsync(NewStore())).Select(s => s.Id), Is.EqualTo(new[] { "s1" }));
        Assert.That(File.Exists(legacy), Is.False);
    }

    [Test]
    public async Task ListAsync_CatalogIsNoSession()
    {
        var store = NewStore();
        await store.CreateAsync(FileSessionStorageTests.Session("s1"), []);
        await ListAsync(store);
        Assert.That(File.Exists(CatalogPath), Is.True);
        Assert.That(await store.ExistsAsync("catalog"), Is.False);
        Assert.That((await ListAsync(store)).Select(s => s.Id), Is.EqualTo(new[] { "s1" }));
    }

    /// <summary>Lists, and checks every listed session against a direct read, and the set of sessions against the files.</summary>
    private async Task<List<SessionInfo>> AssertListingExactAsync(FileSessionStorage store)
    {
        var listed = await ListAsync(store);
        var direct = NewStore();
        var ids = Directory.GetFiles(_root, "*.meta.json").Select(f => Path.GetFileName(f)[..^".meta.json".Length]).Order(StringComparer.Ordinal);
        Assert.That(listed.Select(s => s.Id), Is.EqualTo(ids));
        foreach (var session in listed)
        {
            var expected = (await direct.GetAsync(session.Id))!;
            Assert.That(Describe(session), Is.EqualTo(Describe(expected)), session.Id);
        }

        return listed;
    }

    private static string Describe(SessionInfo s) =>
        $"{s.Id}|{s.Title}|{s.Kind}|{string.Join(",", s.Tags)}|{string.Join(",", s.Metadata.Select(p => p.Key + "=" + p.Value))}|{s.SystemPrompt}|{s.ProviderName}|{s.ModelId}|{s.ParentSessionId}|{s.BranchedAtSequence}|{s.MessageCount}|{s.CreatedAt:O}|{s.UpdatedAt:O}|{s.SizeBytes}|{s.Usage}|{s.Version}";

    private static async Task<List<SessionInfo>> ListAsync(ISessionStorage store) =>
        [.. (await store.ListAsync(new SessionQuery()).ToListAsync()).OrderBy(s => s.Id, StringComparer.Ordinal)];

    /// <summary>Moves every session file's last-write time, and the directory's, an hour back, as if written long before the next listing.</summary>
    private void Settle()
    {
        foreach (var file in Directory.GetFiles(_root).Where(f => f.EndsWith(".meta.json", StringComparison.Ordinal) || f.EndsWith(".jsonl", StringComparison.Ordinal)))
        {
            File.SetLastWriteTimeUtc(file, File.GetLastWriteTimeUtc(file).AddHours(-1));
        }

        Directory.SetLastWriteTimeUtc(_root, Directory.GetLastWriteTimeUtc(_root).AddHours(-1));
    }

    /// <summary>Settles the files and lists until the catalog covers the directory: the next listing reads no directory.</summary>
    private async Task PrimeAsync(FileSessionStorage store)
    {
        Settle();
        await AssertListingExactAsync(store);

        // The first catalog may have created its own directory in the root, changing the root's time after it was read.
        Settle();
        await AssertListingExactAsync(store);
        var probe = NewStore();
        await ListAsync(probe);
        Assert.That(probe.DirectoryListings, Is.Zero, "primed: the catalog covers the directory");
    }

    private static SessionInfo RichSession(string id) => new()
    {
        Id = id,
        Title = "Ünïcode title ✓",
        Kind = SessionKind.Plan,
        Tags = ["a", "b c"],
        Metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["k"] = "v", ["empty"] = string.Empty }.AsReadOnly(),
        SystemPrompt = "be brief",
        ProviderName = "openai",
        ModelId = "gpt-4o-mini",
        ParentSessionId = "parent-1",
        BranchedAtSequence = 3,
        MessageCount = 12,
        CreatedAt = new DateTimeOffset(2025, 3, 4, 5, 6, 7, TimeSpan.FromHours(-5.5)).AddTicks(1234567),
        UpdatedAt = T0.AddTicks(7),
        SizeBytes = 4321,
        Usage = new SessionUsage { InputTokens = 1, OutputTokens = 2, TotalTokens = 3, Cost = 0.000123456789m, Requests = 4, UnpricedRequests = 2 },
        Version = 9,
    };

    private FileSessionStorage NewStore()
    {
        var store = new FileSessionStorage(new FileStorageOptions { Directory = _root }, new FileSessionStorageTests.FixedClock(T0), NullLogger.Instance);
        _stores.Add(store);
        return store;
    }
}

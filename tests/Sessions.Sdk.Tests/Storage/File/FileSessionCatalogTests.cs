using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;

namespace Sessions.Sdk.Tests;

/// <summary>The file store's listing catalog (<c>.catalog.json</c>): only a cache, so listings stay exact whatever happened since it was written.</summary>
[TestFixture]
public sealed class FileSessionCatalogTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private string _root = null!;
    private readonly List<FileSessionStorage> _stores = [];

    private string CatalogPath => Path.Combine(_root, ".catalog.json");

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

    [TestCase("not json at all")]
    [TestCase("{\"schemaVersion\":1,\"type\":\"sessions.catalog\",\"snapshot\":1,\"sessions\":[{\"id\":\"s1\",")]
    [TestCase("{\"schemaVersion\":99,\"snapshot\":1,\"sessions\":[]}")]
    [TestCase("{\"schemaVersion\":1,\"snapshot\":9000000000000000000,\"sessions\":[{\"id\":\"s1\",\"metaLength\":1,\"metaWrite\":1,\"journalLength\":1,\"journalWrite\":1,\"doc\":{\"id\":\"other\"}}]}")]
    [TestCase("")]
    public async Task ListAsync_DamagedCatalog_IsIgnoredAndRebuilt(string content)
    {
        var store = NewStore();
        for (int i = 1; i <= 3; i++) await store.CreateAsync(FileSessionStorageTests.Session("s" + i), FileSessionStorageTests.Messages(i, "m"));
        Settle();
        await AssertListingExactAsync(store);
        await File.WriteAllTextAsync(CatalogPath, content);

        await AssertListingExactAsync(NewStore());
        var rebuilt = await File.ReadAllTextAsync(CatalogPath);
        Assert.That(rebuilt, Does.Contain("\"sessions.catalog\""));
        var lines = rebuilt.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(4));
        Assert.That(lines.Skip(1).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("id").GetString()).Order(StringComparer.Ordinal), Is.EqualTo(new[] { "s1", "s2", "s3" }));
        await AssertListingExactAsync(NewStore());
        Assert.That(Directory.Exists(NewStore().QuarantineDirectory), Is.False);
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

    /// <summary>Moves every session file's last-write time an hour back, as if written long before the next listing.</summary>
    private void Settle()
    {
        foreach (var file in Directory.GetFiles(_root).Where(f => f.EndsWith(".meta.json", StringComparison.Ordinal) || f.EndsWith(".jsonl", StringComparison.Ordinal)))
        {
            File.SetLastWriteTimeUtc(file, File.GetLastWriteTimeUtc(file).AddHours(-1));
        }
    }

    private FileSessionStorage NewStore()
    {
        var store = new FileSessionStorage(new FileStorageOptions { Directory = _root }, new FileSessionStorageTests.FixedClock(T0), NullLogger.Instance);
        _stores.Add(store);
        return store;
    }
}

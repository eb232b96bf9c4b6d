using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;

namespace Sessions.Sdk.Tests;

/// <summary>
/// The journal handle a store keeps open between appends (Linux): changes made by another instance, which sees the files as
/// another process would, are noticed by the next append, which never writes into a replaced or deleted journal. Each test runs
/// on the native path and on the portable managed path.
/// </summary>
[TestFixture]
public sealed class FileJournalHandleTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private string _root = null!;
    private readonly List<FileSessionStorage> _stores = [];

    [SetUp]
    public void SetUp() => _root = Path.Combine(Path.GetTempPath(), "sessions-file-handle-" + Guid.NewGuid().ToString("N"));

    [TearDown]
    public void TearDown()
    {
        foreach (var store in _stores) store.Dispose();
        _stores.Clear();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    [Test]
    public async Task AppendMessagesAsync_JournalReplacedByAnotherInstance_AppendsToTheNewJournalOnly([Values] bool native)
    {
        var store = NewStore(native);
        var created = await store.CreateAsync(FileSessionStorageTests.Session("s"), []);
        await store.AppendMessagesAsync("s", FileSessionStorageTests.Messages(3, "old"));
        using var oldJournal = OpenAside(store.JournalPath("s"));
        long oldLength = oldJournal.Length;

        var replaced = await NewStore(native).ReplaceMessagesAsync("s", [Message("kept")], (await store.GetAsync("s"))!.Version);
        var appended = await store.AppendMessagesAsync("s", [Message("after")]);

        Assert.That(appended.Single().Sequence, Is.EqualTo(2));
        Assert.That(oldJournal.Length, Is.EqualTo(oldLength), "nothing may be written into the replaced journal");
        var reader = NewStore(native);
        Assert.That((await reader.GetMessagesAsync("s", MessageRange.All)).Select(m => m.Text), Is.EqualTo(new[] { "kept", "after" }));
        var info = await reader.GetAsync("s");
        Assert.That(info!.MessageCount, Is.EqualTo(2));
        Assert.That(info.Version, Is.EqualTo(replaced.Version + 1), "the append after the replacement advanced it");
        Assert.That((await store.GetAsync("s"))!.MessageCount, Is.EqualTo(2));
    }

    [Test]
    public async Task AppendMessagesAsync_JournalClearedTwiceByAnotherInstance_EachAppendLandsInTheCurrentJournal([Values] bool native)
    {
        var store = NewStore(native);
        var other = NewStore(native);
        await store.CreateAsync(FileSessionStorageTests.Session("s"), FileSessionStorageTests.Messages(2, "m"));
        for (int round = 0; round < 3; round++)
        {
            await store.AppendMessagesAsync("s", [Message("a" + round)]);
            var version = (await other.GetAsync("s"))!.Version;
            await other.ReplaceMessagesAsync("s", [], version);
            var appended = await store.AppendMessagesAsync("s", [Message("b" + round)]);
            Assert.That(appended.Single().Sequence, Is.EqualTo(1), $"round {round}");
            Assert.That((await other.GetMessagesAsync("s", MessageRange.All)).Select(m => m.Text), Is.EqualTo(new[] { "b" + round }));
        }
    }

    [Test]
    public async Task AppendMessagesAsync_SessionDeletedByAnotherInstance_ThrowsSessionNotFoundAndWritesNothing([Values] bool native)
    {
        var store = NewStore(native);
        await store.CreateAsync(FileSessionStorageTests.Session("s"), []);
        await store.AppendMessagesAsync("s", FileSessionStorageTests.Messages(2, "m"));
        using var oldJournal = OpenAside(store.JournalPath("s"));
        long oldLength = oldJournal.Length;

        Assert.That(await NewStore(native).DeleteAsync("s"), Is.True);
        var thrown = await Assert.ThrowsAsync<SessionNotFoundException>(async () => await store.AppendMessagesAsync("s", [Message("lost")]));

        Assert.That(thrown!.SessionId, Is.EqualTo("s"));
        Assert.That(oldJournal.Length, Is.EqualTo(oldLength), "nothing may be written into the deleted journal");
        Assert.That(File.Exists(store.JournalPath("s")), Is.False);
        Assert.That(File.Exists(store.MetaPath("s")), Is.False);
    }

    [Test]
    public async Task AppendMessagesAsync_SessionDeletedAndCreatedAgainByAnotherInstance_AppendsToTheNewSession([Values] bool native)
    {
        var store = NewStore(native);
        await store.CreateAsync(FileSessionStorageTests.Session("s"), FileSessionStorageTests.Messages(5, "old"));
        await store.AppendMessagesAsync("s", [Message("old6")]);
        var other = NewStore(native);
        await other.DeleteAsync("s");
        await other.CreateAsync(FileSessionStorageTests.Session("s"), [Message("new1")]);

        var appended = await store.AppendMessagesAsync("s", [Message("new2")]);

        Assert.That(appended.Single().Sequence, Is.EqualTo(2));
        Assert.That((await other.GetMessagesAsync("s", MessageRange.All)).Select(m => m.Text), Is.EqualTo(new[] { "new1", "new2" }));
        Assert.That((await NewStore(native).GetAsync("s"))!.MessageCount, Is.EqualTo(2));
    }

    [Test]
    public async Task AppendMessagesAsync_JournalRenamedOverWithTheSameBytes_WritesIntoTheFileAtThePath([Values] bool native)
    {
        // Same content, same generation, same length: only the inode tells the kept handle is no longer the journal.
        var store = NewStore(native);
        await store.CreateAsync(FileSessionStorageTests.Session("s"), []);
        await store.AppendMessagesAsync("s", FileSessionStorageTests.Messages(2, "m"));
        string journal = store.JournalPath("s");
        using var oldJournal = OpenAside(journal);
        long oldLength = oldJournal.Length;
        string copy = journal + ".copy";
        File.Copy(journal, copy);
        File.Move(copy, journal, overwrite: true);

        await store.AppendMessagesAsync("s", [Message("m3")]);

        Assert.That(oldJournal.Length, Is.EqualTo(oldLength));
        Assert.That((await NewStore(native).GetMessagesAsync("s", MessageRange.All)).Select(m => m.Text), Is.EqualTo(new[] { "m1", "m2", "m3" }));
    }

    [Test]
    public async Task GetMessagesAsync_Last_JournalReplacedByAnotherInstanceWithTheSameLength_ReadsTheNewJournal([Values] bool native)
    {
        // A new journal of exactly the old length: only which file the path names (or its generation) tells the cached tail is stale.
        var store = NewStore(native);
        var created = await store.CreateAsync(FileSessionStorageTests.Session("s"), []);
        await store.AppendMessagesAsync("s", [Message("m1"), Message("m2")]);
        Assert.That((await store.GetMessagesAsync("s", MessageRange.Last(2))).Select(m => m.Text), Is.EqualTo(new[] { "m1", "m2" }));
        long length = new FileInfo(store.JournalPath("s")).Length;
        var stored = await store.GetMessagesAsync("s", MessageRange.All);

        await NewStore(native).ReplaceMessagesAsync("s", [.. stored.Select(m => m with { Message = new ChatMessage(m.Role, m.Text.Replace('m', 'x')), Sequence = 0 })], (await store.GetAsync("s"))!.Version);
        Assert.That(new FileInfo(store.JournalPath("s")).Length, Is.EqualTo(length));
        var tail = await store.GetMessagesAsync("s", MessageRange.Last(2));

        Assert.That(tail.Select(m => m.Text), Is.EqualTo(new[] { "x1", "x2" }));
    }

    [Test]
    public async Task GetMessagesAsync_Last_AfterOwnAndAnotherInstancesAppends_IsTheJournalsTail([Values] bool native)
    {
        var store = NewStore(native);
        var other = NewStore(native);
        await store.CreateAsync(FileSessionStorageTests.Session("s"), []);
        for (int i = 1; i <= 6; i++)
        {
            await (i % 3 == 0 ? other : store).AppendMessagesAsync("s", [Message("m" + i)]);
            var expected = Enumerable.Range(Math.Max(1, i - 2), Math.Min(3, i)).Select(k => "m" + k);
            Assert.That((await store.GetMessagesAsync("s", MessageRange.Last(3))).Select(m => m.Text), Is.EqualTo(expected), $"after append {i}");
            Assert.That((await store.GetMessagesAsync("s", MessageRange.Last(3))).Select(m => m.Sequence), Is.EqualTo(Enumerable.Range(Math.Max(1, i - 2), Math.Min(3, i)).Select(k => (long)k)));
        }

        var version = (await other.GetAsync("s"))!.Version;
        await other.ReplaceMessagesAsync("s", [Message("only")], version);
        Assert.That((await store.GetMessagesAsync("s", MessageRange.Last(3))).Select(m => m.Text), Is.EqualTo(new[] { "only" }));
        Assert.That(await NewStore(native).DeleteAsync("s"), Is.True);
        await Assert.ThrowsAsync<SessionNotFoundException>(async () => await store.GetMessagesAsync("s", MessageRange.Last(3)));
    }

    [Test]
    public async Task AppendMessagesAsync_JournalMovedAsideWhileMetadataStays_ReportsTheMissingJournal([Values] bool native)
    {
        var store = NewStore(native);
        await store.CreateAsync(FileSessionStorageTests.Session("s"), FileSessionStorageTests.Messages(1, "m"));
        await store.AppendMessagesAsync("s", [Message("m2")]);
        string aside = Path.Combine(_root, "aside.jsonl");
        File.Move(store.JournalPath("s"), aside);
        long asideLength = new FileInfo(aside).Length;

        var thrown = await Assert.ThrowsAsync<SessionFormatException>(async () => await store.AppendMessagesAsync("s", [Message("m3")]));

        Assert.That(thrown!.Message, Does.Contain("journal is missing"));
        Assert.That(new FileInfo(aside).Length, Is.EqualTo(asideLength), "nothing may be written into the moved file");
    }

    [Test]
    public async Task AppendMessagesAsync_MetadataDeletedBehindTheKeptJournal_ThrowsSessionNotFound([Values] bool native)
    {
        // What a delete that crashed between its two unlinks leaves: an orphan journal, which is not a session.
        var store = NewStore(native);
        await store.CreateAsync(FileSessionStorageTests.Session("s"), []);
        await store.AppendMessagesAsync("s", [Message("m1")]);
        long length = new FileInfo(store.JournalPath("s")).Length;
        File.Delete(store.MetaPath("s"));

        await Assert.ThrowsAsync<SessionNotFoundException>(async () => await store.AppendMessagesAsync("s", [Message("m2")]));
        Assert.That(new FileInfo(store.JournalPath("s")).Length, Is.EqualTo(length));
    }

    [Test]
    public async Task AppendMessagesAsync_AnotherInstanceAppendsInBetween_ContinuesAfterItsMessages([Values] bool native)
    {
        var store = NewStore(native);
        var other = NewStore(!native);
        await store.CreateAsync(FileSessionStorageTests.Session("s"), []);
        for (int i = 0; i < 5; i++)
        {
            await store.AppendMessagesAsync("s", [Message("a" + i)]);
            await other.AppendMessagesAsync("s", [Message("b" + i)]);
        }

        var all = await NewStore(native).GetMessagesAsync("s", MessageRange.All);
        Assert.That(all.Select(m => m.Text), Is.EqualTo(new[] { "a0", "b0", "a1", "b1", "a2", "b2", "a3", "b3", "a4", "b4" }));
        Assert.That(all.Select(m => m.Sequence), Is.EqualTo(Enumerable.Range(1, 10).Select(i => (long)i)));
    }

    [Test]
    public async Task AppendMessagesAsync_SessionsSharingALockStripe_ConcurrentWritersInTwoInstancesLoseNothing([Values] bool native)
    {
        // Two sessions on one stripe share its lock file: the native path must not let one release the other's flock.
        string first = "p0", second = Enumerable.Range(1, 10_000).Select(i => "p" + i).First(id => FileSessionLock.StripeFor(id) == FileSessionLock.StripeFor("p0"));
        var one = NewStore(native);
        var two = NewStore(native);
        await one.CreateAsync(FileSessionStorageTests.Session(first), []);
        await one.CreateAsync(FileSessionStorageTests.Session(second), []);
        const int each = 30;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            var store = w % 2 == 0 ? one : two;
            string id = w % 4 < 2 ? first : second;
            for (int i = 0; i < each; i++) await store.AppendMessagesAsync(id, [Message($"w{w}-{i}")]);
        })));

        foreach (var id in new[] { first, second })
        {
            var all = await NewStore(native).GetMessagesAsync(id, MessageRange.All);
            Assert.That(all, Has.Count.EqualTo(4 * each), id);
            Assert.That(all.Select(m => m.Text).Distinct().Count(), Is.EqualTo(4 * each), id);
            Assert.That(all.Select(m => m.Sequence), Is.EqualTo(Enumerable.Range(1, 4 * each).Select(i => (long)i)), id);
        }
    }

    [Test]
    public async Task Dispose_ReleasesTheJournalsAndLockFilesKeptOpen()
    {
        Assume.That(OperatingSystem.IsLinux(), "counts this process's open files through /proc");
        var store = NewStore(native: true);
        await store.CreateAsync(FileSessionStorageTests.Session("s1"), []);
        await store.CreateAsync(FileSessionStorageTests.Session("s2"), []);
        await store.AppendMessagesAsync("s1", [Message("x")]);
        await store.AppendMessagesAsync("s2", [Message("y")]);
        Assert.That(OpenFilesUnderRoot(), Has.Some.EndsWith(".jsonl"), "the native path keeps the journal open between appends");
        Assert.That(OpenFilesUnderRoot(), Has.Some.EndsWith(".lock"), "and the lock file");

        store.Dispose();

        Assert.That(OpenFilesUnderRoot(), Is.Empty);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await store.AppendMessagesAsync("s1", [Message("z")]));
        Assert.That((await NewStore(native: true).GetAsync("s1"))!.MessageCount, Is.EqualTo(1));
    }

    [Test]
    public async Task AppendMessagesAsync_MoreSessionsThanTheKeptJournalLimit_HoldsAtMostTheLimitOpenAndLosesNothing()
    {
        Assume.That(OperatingSystem.IsLinux(), "counts this process's open files through /proc");
        var store = new FileSessionStorage(new FileStorageOptions { Directory = _root, KeptJournalLimit = 4 }, new FileSessionStorageTests.FixedClock(T0), NullLogger.Instance);
        _stores.Add(store);
        var ids = Enumerable.Range(0, 12).Select(i => "many" + i).ToArray();
        foreach (var id in ids) await store.CreateAsync(FileSessionStorageTests.Session(id), []);
        for (int round = 1; round <= 3; round++)
        {
            foreach (var id in ids)
            {
                var appended = await store.AppendMessagesAsync(id, [Message($"{id}-{round}")]);
                Assert.That(appended.Single().Sequence, Is.EqualTo(round), id);
                Assert.That(OpenFilesUnderRoot().Count(f => f.EndsWith(".jsonl", StringComparison.Ordinal)), Is.LessThanOrEqualTo(4));
            }
        }

        Assert.That(OpenFilesUnderRoot().Count(f => f.EndsWith(".jsonl", StringComparison.Ordinal)), Is.GreaterThan(0), "the most recent ones stay open");
        var reader = NewStore(native: false);
        foreach (var id in ids)
        {
            Assert.That((await reader.GetMessagesAsync(id, MessageRange.All)).Select(m => m.Text), Is.EqualTo(new[] { id + "-1", id + "-2", id + "-3" }));
        }
    }

    [Test]
    public async Task AppendMessagesAsync_ConcurrentWritersWhileKeptJournalsAreTrimmed_LoseNothing()
    {
        var stores = Enumerable.Range(0, 2).Select(_ => new FileSessionStorage(new FileStorageOptions { Directory = _root, KeptJournalLimit = 2 }, new FileSessionStorageTests.FixedClock(T0), NullLogger.Instance)).ToArray();
        _stores.AddRange(stores);
        var ids = Enumerable.Range(0, 8).Select(i => "busy" + i).ToArray();
        foreach (var id in ids) await stores[0].CreateAsync(FileSessionStorageTests.Session(id), []);
        const int each = 25;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (int i = 0; i < each; i++) await stores[w % 2].AppendMessagesAsync(ids[(w + i) % ids.Length], [Message($"w{w}-{i}")]);
        })));

        var all = new List<SessionMessage>();
        foreach (var id in ids)
        {
            var messages = await NewStore(native: false).GetMessagesAsync(id, MessageRange.All);
            Assert.That(messages.Select(m => m.Sequence), Is.EqualTo(Enumerable.Range(1, messages.Count).Select(i => (long)i)), id);
            all.AddRange(messages);
        }

        Assert.That(all.Select(m => m.Text).Distinct().Count(), Is.EqualTo(8 * each));
    }

    [Test]
    public async Task AppendMessagesAsync_ManagedPath_KeepsNothingOpenBetweenOperations()
    {
        Assume.That(OperatingSystem.IsLinux(), "counts this process's open files through /proc");
        var store = NewStore(native: false);
        await store.CreateAsync(FileSessionStorageTests.Session("s"), []);
        await store.AppendMessagesAsync("s", [Message("x")]);

        Assert.That(OpenFilesUnderRoot(), Is.Empty);
        Assert.That((await store.GetMessagesAsync("s", MessageRange.All)).Single().Text, Is.EqualTo("x"));
    }

    private static SessionMessage Message(string text) => FileSessionStorageTests.Message(ChatRole.User, text);

    /// <summary>Opens a journal as a bystander would, to watch the inode it names now whatever later happens to the path.</summary>
    private static FileStream OpenAside(string path) => new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);

    private List<string> OpenFilesUnderRoot()
    {
        var open = new List<string>();
        foreach (var fd in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith(_root, StringComparison.Ordinal)) open.Add(target);
            }
            catch (IOException)
            {
                // Closed while being listed.
            }
        }

        return open;
    }

    private FileSessionStorage NewStore(bool native)
    {
        var store = new FileSessionStorage(new FileStorageOptions { Directory = _root, NativeFastPath = native }, new FileSessionStorageTests.FixedClock(T0), NullLogger.Instance);
        _stores.Add(store);
        return store;
    }
}

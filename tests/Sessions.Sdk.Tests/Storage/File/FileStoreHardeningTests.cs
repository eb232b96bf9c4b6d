using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;

namespace Sessions.Sdk.Tests;

/// <summary>Regression tests for issue 9 on the file store, and the bit-flip suite of RELIABILITY.md (printing its figures).</summary>
[TestFixture]
public sealed class FileStoreHardeningTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private string _parent = null!;
    private string _root = null!;

    [SetUp]
    public void SetUp()
    {
        _parent = Path.Combine(Path.GetTempPath(), "sessions-hardening-" + Guid.NewGuid().ToString("N"));
        _root = Path.Combine(_parent, "root");
        Directory.CreateDirectory(_parent);
    }

    [TearDown]
    public void TearDown()
    {
        try { Directory.Delete(_parent, recursive: true); } catch (IOException) { }
    }

    /// <summary>Issue 9 item 9: a summary count edited in the metadata document (valid JSON) is checked against the journal.</summary>
    [Test]
    public async Task AppendMessagesAsync_SummaryCountEditedInMetadata_SequencesStayUnique()
    {
        using (var store = NewStore())
        {
            await store.CreateAsync(FileSessionStorageTests.Session("s"), FileSessionStorageTests.Messages(5, "m"));
        }

        var meta = await File.ReadAllTextAsync(Path.Combine(_root, "s.meta.json"));
        Assert.That(meta, Does.Contain("\"count\": 5"));
        await File.WriteAllTextAsync(Path.Combine(_root, "s.meta.json"), meta.Replace("\"count\": 5", "\"count\": 2", StringComparison.Ordinal));

        using var reopened = NewStore();
        var appended = await reopened.AppendMessagesAsync("s", FileSessionStorageTests.Messages(1, "n"));
        Assert.That(appended.Single().Sequence, Is.EqualTo(6));
        var all = await reopened.GetMessagesAsync("s", MessageRange.All);
        Assert.That(all.Select(m => m.Sequence), Is.EqualTo(new long[] { 1, 2, 3, 4, 5, 6 }));
        Assert.That((await reopened.GetAsync("s"))!.MessageCount, Is.EqualTo(6));
    }

    /// <summary>Issue 9 item 3: with <c>.tmp/</c> removed, appends (including the one that saves the summary), renames and creates
    /// still succeed (the folder is recreated), and a summary save failure never fails an append that is in the journal.</summary>
    [Test]
    public async Task Append_TmpFolderRemoved_SucceedsOnceAndRecreatesIt()
    {
        using var store = new FileSessionStorage(new FileStorageOptions { Directory = _root, SummaryInterval = 1024 }, new FileSessionStorageTests.FixedClock(T0), NullLogger.Instance);
        await store.CreateAsync(FileSessionStorageTests.Session("s"), []);
        Directory.Delete(Path.Combine(_root, ".tmp"), recursive: true);

        // Messages longer than SummaryInterval: every append saves the summary through .tmp/.
        for (int i = 0; i < 3; i++) await store.AppendMessagesAsync("s", [FileSessionStorageTests.Message(ChatRole.User, "a" + i + new string('x', 2000))]);
        await store.UpdateAsync((await store.GetAsync("s"))! with { Title = "renamed" });
        await store.CreateAsync(FileSessionStorageTests.Session("t"), []);
        Assert.That(Directory.Exists(Path.Combine(_root, ".tmp")), Is.True);
        Assert.That((await NewStore().GetMessagesAsync("s", MessageRange.All)).Select(m => m.Text), Is.EqualTo(new[] { "a0", "a1", "a2" }.Select(p => p + new string('x', 2000))));
    }

    /// <summary>
    /// Issue 9 (working folders): a working folder replaced by a regular file, while the store is open or before it opens, neither
    /// stops writes (no lock timeout) nor is deleted: the file is moved to <c>.quarantine/displaced…</c> with its content and the
    /// folder recreated; appends, renames, creates and listings all succeed.
    /// </summary>
    [TestCase(".locks", false)]
    [TestCase(".locks", true)]
    [TestCase(".tmp", false)]
    [TestCase(".tmp", true)]
    [TestCase(".catalog", false)]
    [TestCase(".catalog", true)]
    [CancelAfter(60_000)]
    public async Task WorkingFolderReplacedByRegularFile_WritesSucceedAndTheFileIsKeptAside(string folder, bool managed)
    {
        var options = new FileStorageOptions { Directory = _root, SummaryInterval = 1024, LockTimeout = TimeSpan.FromSeconds(5), NativeFastPath = !managed };
        string path = Path.Combine(_root, folder);
        using (var first = new FileSessionStorage(options, new FileSessionStorageTests.FixedClock(T0), NullLogger.Instance))
        {
            await first.CreateAsync(FileSessionStorageTests.Session("s"), []);
            Assert.That((await first.ListAsync(SessionQuery.All).ToListAsync()).Count, Is.EqualTo(1));

            // While the store is open.
            Directory.Delete(path, recursive: true);
            await File.WriteAllTextAsync(path, "while open");
            for (int i = 0; i < 3; i++) await first.AppendMessagesAsync("s", [FileSessionStorageTests.Message(ChatRole.User, "a" + i + new string('x', 2000))]);
            await first.UpdateAsync((await first.GetAsync("s"))! with { Title = "renamed" });
            await first.CreateAsync(FileSessionStorageTests.Session("t"), []);
            Assert.That((await first.ListAsync(SessionQuery.All).ToListAsync()).Select(i => i.Id).Order(), Is.EqualTo(new[] { "s", "t" }));
        }

        // Before the store opens (the file from above may already be aside; put another one there).
        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        await File.WriteAllTextAsync(path, "before open");
        using (var second = new FileSessionStorage(options, new FileSessionStorageTests.FixedClock(T0), NullLogger.Instance))
        {
            await second.AppendMessagesAsync("t", [FileSessionStorageTests.Message(ChatRole.User, "b")]);
            Assert.That((await second.ListAsync(SessionQuery.All).ToListAsync()).Count, Is.EqualTo(2));
            Assert.That((await second.GetMessagesAsync("s", MessageRange.All)).Count, Is.EqualTo(3));
        }

        Assert.That(Directory.Exists(path), Is.True, "the working folder is a folder again");
        var displaced = Directory.GetFiles(Path.Combine(_root, ".quarantine"), "displaced" + folder + "-*").Select(File.ReadAllText).Order().ToList();
        Assert.That(displaced, Does.Contain("before open"), "the file found in the folder's place is kept, not deleted");
        Assert.That(displaced, Has.Count.LessThanOrEqualTo(2));
        if (folder != ".catalog")
        {
            // .locks/ and .tmp/ are used by every write; .catalog/ only by a listing, which may rebuild it from the sessions instead.
            Assert.That(displaced, Does.Contain("while open"));
        }
    }

    /// <summary>Issue 9 item 10 (working folders): a working folder replaced by a symbolic link to a folder outside the store root is
    /// moved aside when the store opens, so no temporary, lock or catalog file is written outside the root.</summary>
    [TestCase(".locks")]
    [TestCase(".tmp")]
    [TestCase(".catalog")]
    public async Task WorkingFolderReplacedBySymlink_NothingWrittenOutsideTheRoot(string folder)
    {
        using (var first = NewStore())
        {
            await first.CreateAsync(FileSessionStorageTests.Session("s"), []);
        }

        string outside = Path.Combine(_parent, "outside");
        Directory.CreateDirectory(outside);
        string path = Path.Combine(_root, folder);
        Directory.Delete(path, recursive: true);
        Directory.CreateSymbolicLink(path, outside);
        using (var store = new FileSessionStorage(new FileStorageOptions { Directory = _root, SummaryInterval = 1024 }, new FileSessionStorageTests.FixedClock(T0), NullLogger.Instance))
        {
            for (int i = 0; i < 3; i++) await store.AppendMessagesAsync("s", [FileSessionStorageTests.Message(ChatRole.User, "a" + i + new string('x', 2000))]);
            await store.CreateAsync(FileSessionStorageTests.Session("t"), []);
            Assert.That((await store.ListAsync(SessionQuery.All).ToListAsync()).Count, Is.EqualTo(2));
        }

        Assert.That(Directory.EnumerateFileSystemEntries(outside), Is.Empty, "nothing was written through the link");
        Assert.That(new DirectoryInfo(path).LinkTarget, Is.Null, "the working folder is a real folder again");
        Assert.That(Directory.GetFileSystemEntries(Path.Combine(_root, ".quarantine"), "displaced" + folder + "-*"), Has.Length.EqualTo(1), "the link itself is kept aside");
    }

    /// <summary>Issue 9 item 3 (second half): a failing summary save is logged, not thrown, and the message is stored exactly once.</summary>
    [Test]
    public async Task Append_SummarySaveFails_CallSucceedsAndMessageStoredOnce()
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("needs a directory the store cannot write into (POSIX permissions)");
        using var store = new FileSessionStorage(new FileStorageOptions { Directory = _root, SummaryInterval = 1024 }, new FileSessionStorageTests.FixedClock(T0), NullLogger.Instance);
        await store.CreateAsync(FileSessionStorageTests.Session("s"), []);

        // .tmp/ replaced by a file, and .quarantine/ (where the store would move that file aside) too: the summary (written
        // through .tmp/) cannot be saved; the journal append itself is fine.
        Directory.Delete(Path.Combine(_root, ".tmp"), recursive: true);
        await File.WriteAllTextAsync(Path.Combine(_root, ".tmp"), "not a folder");
        await File.WriteAllTextAsync(Path.Combine(_root, ".quarantine"), "not a folder either");
        var appended = await store.AppendMessagesAsync("s", [FileSessionStorageTests.Message(ChatRole.User, "once" + new string('x', 2000))]);
        Assert.That(appended.Single().Sequence, Is.EqualTo(1));
        Assert.That(File.Exists(Path.Combine(_root, ".tmp")), Is.True, "the summary save really failed (the file is still in .tmp/'s place)");
        File.Delete(Path.Combine(_root, ".tmp"));
        File.Delete(Path.Combine(_root, ".quarantine"));
        Assert.That((await NewStore().GetMessagesAsync("s", MessageRange.All)).Select(m => m.Text), Is.EqualTo(new[] { "once" + new string('x', 2000) }));
    }

    /// <summary>Issue 9 items 6 and 10: journals and metadata replaced by a directory, a named pipe, or symbolic links to files
    /// outside the root are skipped and reported by listing (no hang, no exception), never read or written through, and the
    /// other sessions still list and load.</summary>
    [Test]
    public async Task ListAsync_NonRegularFilesAndSymlinks_SkippedNeverFollowed()
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("named pipes and symbolic links as used here need Linux");
        using (var store = NewStore())
        {
            foreach (var id in new[] { "dir", "fifo", "link", "metalink", "good" }) await store.CreateAsync(FileSessionStorageTests.Session(id), FileSessionStorageTests.Messages(2, id));
        }

        string outside = Path.Combine(_parent, "outside.txt");
        const string secret = "outside the root\n";
        await File.WriteAllTextAsync(outside, secret);
        File.Delete(Path.Combine(_root, "dir.jsonl"));
        Directory.CreateDirectory(Path.Combine(_root, "dir.jsonl"));
        File.Delete(Path.Combine(_root, "fifo.jsonl"));
        Assert.That(Process.Start("mkfifo", Path.Combine(_root, "fifo.jsonl")).WaitForExit(10_000), Is.True);
        File.Delete(Path.Combine(_root, "link.jsonl"));
        File.CreateSymbolicLink(Path.Combine(_root, "link.jsonl"), outside);
        File.Delete(Path.Combine(_root, "metalink.meta.json"));
        File.CreateSymbolicLink(Path.Combine(_root, "metalink.meta.json"), outside);
        Directory.Delete(Path.Combine(_root, ".catalog"), recursive: true);

        using var reader = NewStore();
        var listing = Task.Run(async () => await reader.ListAsync(SessionQuery.All).Select(s => s.Id).ToListAsync());
        Assert.That(await Task.WhenAny(listing, Task.Delay(TimeSpan.FromSeconds(30))), Is.SameAs(listing), "listing hung");
        Assert.That(await listing, Is.EqualTo(new[] { "good" }));
        foreach (var id in new[] { "dir", "fifo", "link", "metalink" })
        {
            var call = Task.Run(async () => await reader.AppendMessagesAsync(id, FileSessionStorageTests.Messages(1, "x")));
            Assert.That(await Task.WhenAny(call, Task.Delay(TimeSpan.FromSeconds(30))), Is.SameAs(call), $"{id}: hung");
            Assert.That(call.Exception?.InnerException, Is.InstanceOf<SessionFormatException>().Or.InstanceOf<SessionNotFoundException>(), id);
        }

        Assert.That(await File.ReadAllTextAsync(outside), Is.EqualTo(secret), "nothing outside the root is written or truncated");
        Assert.That((await reader.GetMessagesAsync("good", MessageRange.All)).Select(m => m.Text), Is.EqualTo(new[] { "good1", "good2" }));
    }

    /// <summary>Issue 9 item 4: a batch cut by a failing write is all or nothing (the journal is cut back), checked on a real full
    /// disk: a small tmpfs mounted by the test when it runs as root; skipped with the reason otherwise. Prints its figures.</summary>
    [Test]
    public async Task DiskFull_Tmpfs_EveryCallKeptOrFailedWithNothingStored()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root") Assert.Ignore("needs root to mount a small tmpfs (CI runs as root)");
        string mount = Path.Combine(_parent, "tmpfs");
        Directory.CreateDirectory(mount);
        var mounted = Process.Start("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mount]);
        mounted.WaitForExit(10_000);
        if (mounted.ExitCode != 0) Assert.Ignore("mount -t tmpfs failed (no CAP_SYS_ADMIN in this container)");
        try
        {
            string root = Path.Combine(mount, "store");
            int ok = 0, failed = 0, untyped = 0;
            var acknowledged = new List<string>();
            using (var store = new FileSessionStorage(new FileStorageOptions { Directory = root }, TimeProvider.System, NullLogger.Instance))
            {
                await store.CreateAsync(FileSessionStorageTests.Session("s"), []);
                for (int i = 0; i < 400; i++)
                {
                    var batch = Enumerable.Range(0, 3).Select(j => FileSessionStorageTests.Message(ChatRole.User, $"b{i}-{j}-" + new string('x', 3000))).ToArray();
                    try
                    {
                        await store.AppendMessagesAsync("s", batch);
                        acknowledged.AddRange(batch.Select(m => m.Text));
                        ok++;
                    }
                    catch (SessionStorageException)
                    {
                        failed++;
                    }
                    catch (Exception)
                    {
                        untyped++;
                    }
                }

                var stored = (await store.GetMessagesAsync("s", MessageRange.All)).Select(m => m.Text).ToList();
                await TestContext.Out.WriteLineAsync($"disk full (file): calls {ok + failed + untyped}, kept {ok}, failed {failed}, untyped {untyped}, stored {stored.Count}, acknowledged {acknowledged.Count}");
                Assert.That(failed, Is.GreaterThan(0), "the tmpfs never filled");
                Assert.That(untyped, Is.Zero);
                Assert.That(stored, Is.EqualTo(acknowledged), "every kept call stored, every failed call stored nothing (no half batch)");
            }
        }
        finally
        {
            Process.Start("umount", [mount]).WaitForExit(10_000);
        }
    }

    /// <summary>RELIABILITY.md "Bit flips" for the file store: ≥ 300 single-bit flips in a journal; every read returns the original
    /// message or a <see cref="SessionFormatException"/> naming session and sequence; never altered data. Prints its figures.</summary>
    [Test]
    public async Task BitFlips_ThreeHundred_NeverAlteredData()
    {
        using (var store = NewStore())
        {
            await store.CreateAsync(FileSessionStorageTests.Session("flip"), FileSessionStorageTests.Messages(20, "message number "));
        }

        string journal = Path.Combine(_root, "flip.jsonl");
        byte[] original = await File.ReadAllBytesAsync(journal);
        int headerEnd = Array.IndexOf(original, (byte)'\n') + 1;
        var expected = FileSessionStorageTests.Messages(20, "message number ").Select(m => m.Text).ToArray();
        var random = new Random(9);
        int flips = 0, intact = 0, reported = 0, altered = 0, untyped = 0, unnamed = 0;
        for (; flips < 300; flips++)
        {
            byte[] damaged = (byte[])original.Clone();
            int at = random.Next(headerEnd, damaged.Length - 1);
            damaged[at] ^= (byte)(1 << random.Next(8));
            await File.WriteAllBytesAsync(journal, damaged);
            using var store = NewStore();
            for (int pass = 0; pass < 2; pass++)
            {
                try
                {
                    var read = await store.GetMessagesAsync("flip", pass == 0 ? MessageRange.All : MessageRange.Last(5));
                    var want = pass == 0 ? expected : expected[^5..];
                    if (read.Select(m => m.Text).SequenceEqual(want)) intact++;
                    else altered++;
                }
                catch (SessionFormatException ex)
                {
                    reported++;
                    if (ex.SessionId != "flip" || ex.Sequence is null) unnamed++;
                }
                catch (Exception)
                {
                    untyped++;
                }
            }
        }

        await File.WriteAllBytesAsync(journal, original);
        await TestContext.Out.WriteLineAsync($"bit flips (file): flips {flips}, reads {intact + reported + altered + untyped}, intact {intact}, reported {reported}, altered {altered}, untyped {untyped}, unnamed {unnamed}");
        Assert.That(altered, Is.Zero, "a flipped bit came back as altered data");
        Assert.That(untyped, Is.Zero);
        Assert.That(unnamed, Is.Zero, "every report names the session and the sequence");
    }

    /// <summary>RELIABILITY.md "Replace racing appends" on the file and memory stores: ≥ 200 races each, 0 acknowledged appends lost,
    /// including appends from a second store instance (another process's view of the same folder). Prints its figures.</summary>
    [Test]
    public async Task ReplaceRacingAppends_TwoHundredRaces_NothingLost([Values("file", "memory")] string kind)
    {
        using var file = NewStore();
        ISessionStorage store = kind == "file" ? file : new MemorySessionStorage();
        await store.CreateAsync(FileSessionStorageTests.Session("race"), FileSessionStorageTests.Messages(2, "seed"));
        var figures = await Sessions.Sdk.Testing.SessionStorageConformanceTests.RaceReplaceAgainstAppendsAsync(store, "race", races: 200, CancellationToken.None);
        await TestContext.Out.WriteLineAsync($"replace racing appends ({kind}): {figures}");
        Assert.That(figures.Lost, Is.Zero);
        Assert.That(figures.Races, Is.GreaterThanOrEqualTo(200));
    }

    private FileSessionStorage NewStore() =>
        new(new FileStorageOptions { Directory = _root }, new FileSessionStorageTests.FixedClock(T0), NullLogger.Instance);
}

using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;

namespace Sessions.Sdk.Tests;

/// <summary>
/// Issue 9 item 5 and the RELIABILITY.md suite "working folders removed during multi-process appends": four child processes
/// append to one session while this process deletes a working folder (<c>.locks/</c>, and single lock files in it; <c>.tmp/</c>;
/// <c>.catalog/</c>) or replaces it by a regular file, over and over, and lists the store meanwhile. Writers exclude each other on
/// the journal itself and recreate working folders (moving an intruder aside), so no acknowledged append is lost, duplicated or
/// damaged, no writer times out and no listing fails. Prints its figures.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class FileLockFolderDeletionTests
{
    private string _parent = null!;

    [SetUp]
    public void SetUp() => _parent = Path.Combine(Path.GetTempPath(), "sessions-locks-deleted-" + Guid.NewGuid().ToString("N"));

    [TearDown]
    public void TearDown()
    {
        try { Directory.Delete(_parent, recursive: true); } catch (IOException) { }
    }

    [TestCase(false, ".locks", false)]
    [TestCase(true, ".locks", false)]
    [TestCase(false, ".locks", true)]
    [TestCase(true, ".locks", true)]
    [TestCase(false, ".tmp", false)]
    [TestCase(false, ".tmp", true)]
    [TestCase(false, ".catalog", false)]
    [TestCase(false, ".catalog", true)]
    [CancelAfter(300_000)]
    public async Task AppendMessagesAsync_WorkingFolderRemovedOrReplacedWhileFourProcessesAppend_LosesDuplicatesAndDamagesNothing(bool managed, string folder, bool replaceWithFile)
    {
        const int runs = 3, processes = 4, each = 250;
        int stored = 0, lost = 0, duplicated = 0, outOfOrder = 0, quarantined = 0, damaged = 0, failed = 0;
        long deletions = 0, listings = 0, listingFailures = 0;
        var watch = Stopwatch.StartNew();
        for (int run = 0; run < runs; run++)
        {
            string root = Path.Combine(_parent, "run" + run);
            using (var setup = NewStore(root))
            {
                await setup.CreateAsync(FileSessionStorageTests.Session("shared"), []);
            }

            var go = Path.Combine(root, "go");
            var children = new List<Process>();
            var outputs = new List<Task<string>>();
            using var stop = new CancellationTokenSource();
            Thread? deleter = null;
            Task? lister = null;
            try
            {
                for (int w = 0; w < processes; w++)
                {
                    string[] args = [root, "shared", w.ToString(CultureInfo.InvariantCulture), each.ToString(CultureInfo.InvariantCulture), go, managed ? "managed" : "native"];
                    var child = FileSessionStorageCrashTests.StartHost("file-append", args);
                    children.Add(child);
                    Assert.That(await child.StandardOutput.ReadLineAsync(), Is.EqualTo("ready"));
                    outputs.Add(child.StandardOutput.ReadToEndAsync());
                }

                // The vandal: removes the working folder (or, for .locks/, sometimes one lock file in it), or puts a regular file in
                // its place, as fast as it can while the writers run; a lister in this process keeps writing the catalog.
                string target = Path.Combine(root, folder);
                var random = new Random(20261206 + run);
                deleter = new Thread(() =>
                {
                    while (!stop.IsCancellationRequested)
                    {
                        try
                        {
                            if (folder == ".locks" && !replaceWithFile && random.Next(4) == 0)
                            {
                                foreach (var file in Directory.EnumerateFiles(target)) File.Delete(file);
                            }
                            else if (Directory.Exists(target))
                            {
                                Directory.Delete(target, recursive: true);
                                if (replaceWithFile) File.WriteAllText(target, "not a folder");
                            }

                            Interlocked.Increment(ref deletions);
                        }
                        catch (IOException)
                        {
                            // Already gone, or recreated while being enumerated.
                        }
                        catch (UnauthorizedAccessException)
                        {
                        }

                        if (random.Next(8) == 0) Thread.Sleep(1);
                    }
                })
                { IsBackground = true };
                lister = Task.Run(async () =>
                {
                    using var store = NewStore(root);
                    while (!stop.IsCancellationRequested)
                    {
                        try
                        {
                            var listed = await store.ListAsync(SessionQuery.All).ToListAsync();
                            if (listed.Count != 1) Interlocked.Increment(ref listingFailures);
                            Interlocked.Increment(ref listings);
                        }
                        catch (SessionsException ex)
                        {
                            Interlocked.Increment(ref listingFailures);
                            TestContext.Out.WriteLine($"run {run}: a listing failed: {ex.Message}");
                        }

                        await Task.Delay(2);
                    }
                });
                await File.WriteAllTextAsync(go, "go");
                deleter.Start();
                for (int w = 0; w < processes; w++)
                {
                    await children[w].WaitForExitAsync();
                    if (children[w].ExitCode != 0 || (await outputs[w]).Trim() != $"done {each}")
                    {
                        failed++;
                        TestContext.Out.WriteLine($"run {run} writer {w} exited {children[w].ExitCode}: {await children[w].StandardError.ReadToEndAsync()}");
                    }
                }
            }
            finally
            {
                stop.Cancel();
                deleter?.Join();
                if (lister is not null) await lister;
                foreach (var child in children)
                {
                    if (!child.HasExited) child.Kill(entireProcessTree: true);
                    child.Dispose();
                }
            }

            // Sessions set aside are folders in .quarantine/; displaced intruders are files named "displaced…".
            if (Directory.Exists(Path.Combine(root, ".quarantine")) && Directory.EnumerateDirectories(Path.Combine(root, ".quarantine")).Any()) quarantined++;

            using var reader = NewStore(root);
            IReadOnlyList<SessionMessage> all;
            try
            {
                all = await reader.GetMessagesAsync("shared", MessageRange.All);
            }
            catch (SessionsException ex)
            {
                damaged++;
                TestContext.Out.WriteLine($"run {run}: the session cannot be read: {ex.Message}");
                continue;
            }

            var texts = all.Select(m => m.Text).ToList();
            int distinct = texts.Distinct(StringComparer.Ordinal).Count();
            stored += all.Count;
            lost += (processes * each) - distinct;
            duplicated += texts.Count - distinct;
            if (!all.Select(m => m.Sequence).SequenceEqual(Enumerable.Range(1, all.Count).Select(i => (long)i))) outOfOrder++;
            for (int w = 0; w < processes; w++)
            {
                var prefix = $"w{w}-";
                var order = texts.Where(t => t.StartsWith(prefix, StringComparison.Ordinal)).Select(t => int.Parse(t[prefix.Length..], CultureInfo.InvariantCulture)).ToList();
                if (!order.SequenceEqual(Enumerable.Range(0, each))) outOfOrder++;
            }

            if ((await reader.GetAsync("shared"))?.MessageCount != all.Count) damaged++;
        }

        TestContext.Out.WriteLine(
            $"file store, {folder}/ {(replaceWithFile ? "replaced by a regular file" : "deleted")} during {processes}-process appends ({(managed ? "managed" : "native")} path): "
            + $"{runs} runs, {runs * processes * each} appends, {Interlocked.Read(ref deletions)} removals, {Interlocked.Read(ref listings)} listings meanwhile "
            + $"({Interlocked.Read(ref listingFailures)} failed or incomplete); stored {stored}, lost {lost}, duplicated {duplicated}, "
            + $"out of order {outOfOrder}, damaged {damaged}, quarantined {quarantined}, failed writers {failed}; {watch.Elapsed.TotalSeconds:0.0} s");
        Assert.That(Interlocked.Read(ref deletions), Is.GreaterThan(runs), "the working folder was removed during the runs");
        Assert.That(Interlocked.Read(ref listings), Is.GreaterThan(0), "listings ran during the appends");
        Assert.That((lost, duplicated, outOfOrder, damaged, quarantined, failed), Is.EqualTo((0, 0, 0, 0, 0, 0)), "lost, duplicated, out of order, damaged, quarantined, failed");
        Assert.That(Interlocked.Read(ref listingFailures), Is.Zero, "listings that failed or missed the session");
        Assert.That(stored, Is.EqualTo(runs * processes * each));
    }

    private static FileSessionStorage NewStore(string root) =>
        new(new FileStorageOptions { Directory = root }, TimeProvider.System, NullLogger.Instance);
}

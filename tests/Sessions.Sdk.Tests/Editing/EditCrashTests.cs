using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.DependencyInjection;

namespace Sessions.Sdk.Tests;

/// <summary>Kill -9 during batches and rollbacks (child processes through the test host): after the next open, every file is wholly before or wholly after, all together.</summary>
[TestFixture]
[NonParallelizable]
public sealed class EditCrashTests
{
    private const int FileCount = 12;
    private string _root = null!;

    [SetUp]
    public void SetUp() => _root = Directory.CreateTempSubdirectory("sessions-edit-crash-").FullName;

    [TearDown]
    public void TearDown()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task Kill9_MidApplyOrRollback_LeavesEveryFileWhollyBeforeOrAfter_AfterTheNextOpen()
    {
        const int lanes = 2, killsPerLane = 30;
        var watch = Stopwatch.StartNew();
        var results = await Task.WhenAll(Enumerable.Range(0, lanes).Select(lane => Task.Run(() => RunLaneAsync(Path.Combine(_root, "lane" + lane), 20261206 + lane, killsPerLane))));
        int kills = results.Sum(r => r.Kills), pendingApply = results.Sum(r => r.PendingApply), pendingRollback = results.Sum(r => r.PendingRollback);
        TestContext.Out.WriteLine(
            $"edit kill -9: {kills} kills in {watch.Elapsed.TotalSeconds:0.0} s; {results.Sum(r => r.Acks)} acknowledged batches/rollbacks; "
            + $"killed inside a batch (intent stored, not finished) {pendingApply}x, inside a rollback {pendingRollback}x; "
            + $"after each next open: every file wholly before or after and all {FileCount} files together, no temporary file left");
        Assert.That(kills, Is.GreaterThanOrEqualTo(50));
        Assert.That(pendingApply + pendingRollback, Is.GreaterThan(0), "some kills must land inside a batch for the test to mean anything");
    }

    private static async Task<LaneResult> RunLaneAsync(string root, int seed, int kills)
    {
        var random = new Random(seed);
        string workspace = Path.Combine(root, "ws"), store = Path.Combine(root, "store");
        Directory.CreateDirectory(workspace);
        string[] files = [.. Enumerable.Range(0, FileCount).Select(i => $"d{i % 3}/file{i}.txt")];
        var before = files.ToDictionary(f => f, f => Content(f, "A"), StringComparer.Ordinal);
        var after = files.ToDictionary(f => f, f => Content(f, "B"), StringComparer.Ordinal);
        foreach (var f in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(workspace, f))!);
            File.WriteAllText(Path.Combine(workspace, f), before[f]);
        }

        var result = new LaneResult();
        string current = "A";
        for (int run = 0; run < kills; run++)
        {
            // A fresh edit session per run keeps each open small; the workspace carries on from the last run.
            string sessionId;
            var services = new ServiceCollection();
            services.AddSessions().UseFileStorage(store).AddEditing();
            await using (var provider = services.BuildServiceProvider())
            {
                sessionId = (await provider.GetRequiredService<IEditSessionManager>().CreateAsync(workspace)).Session.Id;
            }

            string next = current == "A" ? "B" : "A";
            result.Acks += await RunAndKillAsync(store, sessionId, current, next, files, random.Next(0, 60));
            result.Kills++;

            await using var check = services.BuildServiceProvider();
            var session = await check.GetRequiredService<ISessionManager>().OpenAsync(sessionId);
            var events = new List<SessionStateContent>();
            await foreach (var e in session.ReadStateAsync("edit"))
            {
                events.Add(e);
            }

            string? last = events.Count > 0 ? events[^1].EventName : null;
            result.PendingApply += last == "batch.intent" ? 1 : 0;
            result.PendingRollback += last == "rollback.started" ? 1 : 0;

            var editor = await check.GetRequiredService<IEditSessionManager>().OpenAsync(sessionId);
            var contents = files.ToDictionary(f => f, f => File.ReadAllText(Path.Combine(workspace, f)), StringComparer.Ordinal);
            bool allFrom = files.All(f => contents[f] == (current == "A" ? before : after)[f]);
            bool allTo = files.All(f => contents[f] == (next == "A" ? before : after)[f]);
            Assert.That(allFrom || allTo, Is.True, $"{root} run {run}: files are mixed or partial after recovery (last event {last}):\n" + string.Join("\n", contents.Select(p => $"{p.Key}: {p.Value[..12].Trim()}")));
            Assert.That(Directory.EnumerateFiles(workspace, "*.tmp", SearchOption.AllDirectories), Is.Empty, "no temporary file left");
            var lastBatch = editor.Batches.Count > 0 ? editor.Batches[^1] : null;
            Assert.That(lastBatch?.Status == EditBatchStatus.Applied, Is.EqualTo(allTo), "the session's record agrees with the files");
            Assert.That(editor.Batches.Any(b => b.Status == EditBatchStatus.Pending), Is.False);
            current = allTo ? next : current;
        }

        return result;
    }

    private static string Content(string file, string state)
    {
        var sb = new StringBuilder();
        sb.Append("state = ").Append(state).Append('\n');
        for (int i = 0; i < 200; i++)
        {
            sb.Append(file).Append(" line ").Append(i).Append(" of filler text to make the write take a moment\n");
        }

        return sb.ToString();
    }

    private static async Task<int> RunAndKillAsync(string store, string sessionId, string from, string to, string[] files, int delayMs)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Sessions.Sdk.TestHost.dll"));
        foreach (var a in (string[])["edit-crash", store, sessionId, from, to, .. files])
        {
            psi.ArgumentList.Add(a);
        }

        using var child = Process.Start(psi)!;
        var stderr = child.StandardError.ReadToEndAsync();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int acks = 0, starts = 0;
        int killAfterStarts = 2 + (delayMs % 6);
        var reader = new Thread(() =>
        {
            // Synchronous reads on a thread of its own, as the store crash tests do.
            while (child.StandardOutput.ReadLine() is { } l)
            {
                if (l.StartsWith('I') && Interlocked.Increment(ref starts) == killAfterStarts)
                {
                    ready.TrySetResult();
                }
                else if (l.StartsWith('A'))
                {
                    Interlocked.Increment(ref acks);
                }
            }

            ready.TrySetResult();
        }) { IsBackground = true };
        reader.Start();
        // The kill comes 0-9 ms after the 2nd to 7th batch or rollback starts (JIT warm), so it lands inside batches and rollbacks.
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.That(child.HasExited, Is.False, "the child opened the session: " + (child.HasExited ? await stderr : string.Empty));
        Thread.Sleep(delayMs / 6);
        child.Kill(entireProcessTree: true);
        await child.WaitForExitAsync();
        reader.Join();
        return acks;
    }

    private sealed class LaneResult
    {
        public int Kills { get; set; }

        public int Acks { get; set; }

        public int PendingApply { get; set; }

        public int PendingRollback { get; set; }
    }
}

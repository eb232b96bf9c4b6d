using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;

namespace Sessions.Sdk.Tests;

/// <summary>Kill -9 and multi-process tests of the file store, driving the test host as child processes.</summary>
[TestFixture]
[NonParallelizable]
public sealed class FileSessionStorageCrashTests
{
    private static readonly string[] SessionIdsUsed = ["c0", "c1", "c2", "c3"];
    private string _root = null!;

    [SetUp]
    public void SetUp() => _root = Path.Combine(Path.GetTempPath(), "sessions-file-crash-" + Guid.NewGuid().ToString("N"));

    [TearDown]
    public void TearDown()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    [Test]
    public async Task Kill9_AtRandomMoments_LosesNoAcknowledgedOperationAndLeavesEverySessionReadable()
    {
        // Two lanes (separate roots, separate children) run side by side so 200 kills fit well inside the time budget.
        const int lanes = 2, killsPerLane = 100;
        var watch = Stopwatch.StartNew();
        var results = await Task.WhenAll(Enumerable.Range(0, lanes).Select(lane => Task.Run(() => RunLaneAsync(Path.Combine(_root, "lane" + lane), 20260522 + lane, killsPerLane))));
        var ops = results.SelectMany(r => r.Ops).GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Sum(p => p.Value), StringComparer.Ordinal);
        TestContext.Out.WriteLine($"file store kill -9: {lanes * killsPerLane} kills in {watch.Elapsed.TotalSeconds:0.0} s; {results.Sum(r => r.Acks)} acknowledged operations ({string.Join(", ", ops.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}"))}); in-flight operation found applied {results.Sum(r => r.InFlightApplied)}x, not applied {results.Sum(r => r.InFlightMissing)}x; 0 acknowledged lost, 0 partial messages, 0 sessions quarantined");
    }

    private async Task<LaneResult> RunLaneAsync(string root, int seed, int kills)
    {
        var random = new Random(seed);
        var model = new Dictionary<string, SessionModel>(StringComparer.Ordinal);
        var result = new LaneResult();
        for (int run = 0; run < kills; run++)
        {
            var lines = await RunAndKillAsync(root, run, random.Next(), ackTarget: random.Next(1, 60), extraDelayMs: random.Next(0, 3));
            var (acked, inFlight) = Interpret(lines);
            result.Acks += acked.Count;
            foreach (var op in acked)
            {
                result.Ops[op[0]] = result.Ops.GetValueOrDefault(op[0]) + 1;
                Apply(model, op);
            }

            var actual = await ReadActualAsync(root);
            if (Same(actual, model))
            {
                if (inFlight is not null) result.InFlightMissing++;
                continue;
            }

            Assert.That(inFlight, Is.Not.Null, $"{root} run {run}: the files differ from every acknowledged operation and nothing was in flight.\n{Describe(actual, model)}");
            var withInFlight = Clone(model);
            Apply(withInFlight, inFlight!);
            Assert.That(Same(actual, withInFlight), Is.True, $"{root} run {run}: after the kill the files match neither the acknowledged state nor it plus the in-flight '{string.Join(' ', inFlight!)}'.\n{Describe(actual, model)}");
            model = withInFlight;
            result.InFlightApplied++;
        }

        Assert.That(Directory.Exists(Path.Combine(root, ".quarantine")), Is.False, "no session may be found damaged");
        return result;
    }

    [TestCase(2)]
    [TestCase(4)]
    [CancelAfter(120_000)]
    public async Task AppendMessagesAsync_SeveralProcessesAppendToOneSession_LoseAndDuplicateNothing(int processes)
    {
        const int each = 500;
        using (var setup = NewStore())
        {
            await setup.CreateAsync(FileSessionStorageTests.Session("shared"), []);
        }

        var go = Path.Combine(_root, "go");
        var children = new List<Process>();
        var outputs = new List<Task<string>>();
        try
        {
            for (int w = 0; w < processes; w++)
            {
                var child = StartHost("file-append", _root, "shared", w.ToString(CultureInfo.InvariantCulture), each.ToString(CultureInfo.InvariantCulture), go);
                children.Add(child);
                Assert.That(await child.StandardOutput.ReadLineAsync(), Is.EqualTo("ready"));
                outputs.Add(child.StandardOutput.ReadToEndAsync());
            }

            var watch = Stopwatch.StartNew();
            await File.WriteAllTextAsync(go, "go");
            foreach (var child in children)
            {
                await child.WaitForExitAsync();
                Assert.That(child.ExitCode, Is.Zero);
            }

            watch.Stop();
            foreach (var output in outputs) Assert.That((await output).Trim(), Is.EqualTo($"done {each}"));
            using var reader = NewStore();
            var all = await reader.GetMessagesAsync("shared", MessageRange.All);
            var texts = all.Select(m => m.Text).ToList();
            int distinct = texts.Distinct(StringComparer.Ordinal).Count();
            TestContext.Out.WriteLine($"{processes} processes x {each} appends to one session: {all.Count} stored, {processes * each - distinct} lost, {texts.Count - distinct} duplicated, {watch.Elapsed.TotalMilliseconds:0} ms");
            Assert.That(all, Has.Count.EqualTo(processes * each));
            Assert.That(distinct, Is.EqualTo(processes * each));
            Assert.That(all.Select(m => m.Sequence), Is.EqualTo(Enumerable.Range(1, processes * each).Select(i => (long)i)));
            Assert.That((await reader.GetAsync("shared"))!.MessageCount, Is.EqualTo(processes * each));
            for (int w = 0; w < processes; w++)
            {
                var prefix = $"w{w}-";
                var order = texts.Where(t => t.StartsWith(prefix, StringComparison.Ordinal)).Select(t => int.Parse(t[prefix.Length..], CultureInfo.InvariantCulture)).ToList();
                Assert.That(order, Is.EqualTo(Enumerable.Range(0, each)), $"writer {w}'s order");
            }
        }
        finally
        {
            foreach (var child in children)
            {
                if (!child.HasExited) child.Kill(entireProcessTree: true);
                child.Dispose();
            }
        }
    }

    private FileSessionStorage NewStore() =>
        new(new FileStorageOptions { Directory = _root }, TimeProvider.System, NullLogger.Instance);

    private static async Task<List<string>> RunAndKillAsync(string root, int run, int seed, int ackTarget, int extraDelayMs)
    {
        using var child = StartHost("file-crash", root, run.ToString(CultureInfo.InvariantCulture), seed.ToString(CultureInfo.InvariantCulture));
        var lines = new List<string>();
        int acks = 0;
        var reader = new Thread(() =>
        {
            // Only complete lines count: a line cut by the kill is never an acknowledgement.
            var stream = child.StandardOutput.BaseStream;
            var pending = new List<byte>();
            var buffer = new byte[4096];
            int n;
            while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                for (int i = 0; i < n; i++)
                {
                    if (buffer[i] != (byte)'\n')
                    {
                        pending.Add(buffer[i]);
                        continue;
                    }

                    var line = Encoding.UTF8.GetString([.. pending]);
                    pending.Clear();
                    lock (lines) lines.Add(line);
                    if (line.StartsWith("A ", StringComparison.Ordinal)) Interlocked.Increment(ref acks);
                }
            }
        })
        { IsBackground = true };
        reader.Start();
        var limit = Stopwatch.StartNew();
        while (Volatile.Read(ref acks) < ackTarget && !child.HasExited && limit.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(1);
        }

        bool exitedEarly = child.HasExited;
        if (extraDelayMs > 0) Thread.Sleep(extraDelayMs);
        child.Kill(entireProcessTree: true);
        await child.WaitForExitAsync();
        reader.Join(TimeSpan.FromSeconds(10));
        if (exitedEarly) Assert.Fail("the crash child exited on its own: " + await child.StandardError.ReadToEndAsync());
        Assert.That(Volatile.Read(ref acks), Is.GreaterThanOrEqualTo(ackTarget), "the crash child made no progress within 20 s");
        lock (lines) return [.. lines];
    }

    private static (List<string[]> Acked, string[]? InFlight) Interpret(List<string> lines)
    {
        var acked = new List<string[]>();
        string[]? inFlight = null;
        foreach (var line in lines)
        {
            var parts = line.Split(' ');
            if (parts[0] == "I") inFlight = parts[1..];
            else if (parts[0] == "A")
            {
                Assert.That(inFlight, Is.EqualTo(parts[1..]), "acknowledgements follow their intent");
                acked.Add(parts[1..]);
                inFlight = null;
            }
        }

        return (acked, inFlight);
    }

    private static void Apply(Dictionary<string, SessionModel> model, string[] op)
    {
        switch (op[0])
        {
            case "append": model[op[1]].Texts.Add(op[2]); break;
            case "create": model[op[1]] = new SessionModel(); break;
            case "branch": model[op[2]] = new SessionModel { Texts = [.. model[op[1]].Texts] }; break;
            case "replace":
                var texts = model[op[1]].Texts;
                int keep = int.Parse(op[2], CultureInfo.InvariantCulture);
                texts.RemoveRange(0, texts.Count - keep);
                break;
            case "title": model[op[1]].Title = op[2]; break;
            case "delete": model.Remove(op[1]); break;
            default: throw new InvalidOperationException("unknown operation " + op[0]);
        }
    }

    private static async Task<Dictionary<string, SessionModel>> ReadActualAsync(string root)
    {
        using var store = new FileSessionStorage(new FileStorageOptions { Directory = root }, TimeProvider.System, NullLogger.Instance);
        var actual = new Dictionary<string, SessionModel>(StringComparer.Ordinal);
        var listed = new List<SessionInfo>();
        await foreach (var info in store.ListAsync(new SessionQuery())) listed.Add(info);
        foreach (var id in SessionIdsUsed)
        {
            var info = await store.GetAsync(id);
            Assert.That(listed.Any(s => s.Id == id), Is.EqualTo(info is not null), $"listing and GetAsync agree on '{id}'");
            if (info is null) continue;
            var messages = await store.GetMessagesAsync(id, MessageRange.All);
            Assert.That(messages.Select(m => m.Sequence), Is.EqualTo(Enumerable.Range(1, messages.Count).Select(i => (long)i)), $"'{id}' sequences");
            Assert.That(info.MessageCount, Is.EqualTo(messages.Count), $"'{id}' count");
            Assert.That(listed.Single(s => s.Id == id).MessageCount, Is.EqualTo(messages.Count), $"'{id}' listed count");
            if (messages.Count > 0)
            {
                var last = await store.GetMessagesAsync(id, MessageRange.Last(3));
                Assert.That(last.Select(m => m.Text), Is.EqualTo(messages.TakeLast(3).Select(m => m.Text)), $"'{id}' tail read");
            }

            actual[id] = new SessionModel { Texts = [.. messages.Select(m => m.Text)], Title = info.Title };
        }

        return actual;
    }

    private static bool Same(Dictionary<string, SessionModel> actual, Dictionary<string, SessionModel> expected) =>
        actual.Count == expected.Count && expected.All(p => actual.TryGetValue(p.Key, out var a) && a.Title == p.Value.Title && a.Texts.SequenceEqual(p.Value.Texts, StringComparer.Ordinal));

    private static Dictionary<string, SessionModel> Clone(Dictionary<string, SessionModel> model) =>
        model.ToDictionary(p => p.Key, p => new SessionModel { Texts = [.. p.Value.Texts], Title = p.Value.Title }, StringComparer.Ordinal);

    private static string Describe(Dictionary<string, SessionModel> actual, Dictionary<string, SessionModel> expected) =>
        "actual: " + string.Join("; ", actual.Select(p => $"{p.Key}[{p.Value.Title}]={string.Join(',', p.Value.Texts.TakeLast(4))} ({p.Value.Texts.Count})")) +
        "\nexpected: " + string.Join("; ", expected.Select(p => $"{p.Key}[{p.Value.Title}]={string.Join(',', p.Value.Texts.TakeLast(4))} ({p.Value.Texts.Count})"));

    internal static Process StartHost(string command, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Sessions.Sdk.TestHost.dll"));
        psi.ArgumentList.Add(command);
        foreach (var arg in args) psi.ArgumentList.Add(arg);
        return Process.Start(psi)!;
    }

    private sealed class LaneResult
    {
        public Dictionary<string, int> Ops { get; } = new(StringComparer.Ordinal);

        public int Acks { get; set; }

        public int InFlightApplied { get; set; }

        public int InFlightMissing { get; set; }
    }

    private sealed class SessionModel
    {
        public List<string> Texts { get; init; } = [];

        public string Title { get; set; } = string.Empty;
    }
}

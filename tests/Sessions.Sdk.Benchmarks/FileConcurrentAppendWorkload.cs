using System.Diagnostics;
using System.Globalization;

namespace Sessions.Sdk.Benchmarks;

/// <summary>W4: two processes append 500 messages each to the same session at the same instant, persisting each; a third counts (file store).</summary>
internal sealed class FileConcurrentAppendWorkload : IWorkload
{
    private static readonly int PerProcess = Harness.Size(500, 20);

    public string Id => "W4";

    public async Task RunAsync(Harness harness, CancellationToken cancellationToken)
    {
        int runs = harness.Repetitions, lostTotal = 0, failedTotal = 0;
        var elapsed = new List<double>();
        for (int run = 0; run < runs; run++)
        {
            string directory = Path.Combine(harness.WorkDirectory, "w4-" + run.ToString(CultureInfo.InvariantCulture));
            var storage = FileBench.CreateStorage(directory);
            await storage.CreateAsync(new SessionInfo { Id = FileBench.SessionId, CreatedAt = FileBench.Start, UpdatedAt = FileBench.Start }, [], cancellationToken);
            FileBench.Dispose(storage);
            string signals = Path.Combine(directory, "signals");
            Directory.CreateDirectory(signals);
            var writers = Enumerable.Range(0, 2)
                .Select(p => Harness.RunChildProcessAsync(FileConcurrentAppendMeasurement.MeasurementName, directory, p.ToString(CultureInfo.InvariantCulture), signals))
                .ToArray();
            var wait = Stopwatch.StartNew();
            while (Directory.GetFiles(signals, "ready-*").Length < 2)
            {
                if (wait.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException("W4 writers did not start");
                await Task.Delay(1, cancellationToken);
            }

            await File.WriteAllTextAsync(Path.Combine(signals, "go"), "go", cancellationToken);
            var results = await Task.WhenAll(writers);
            var count = await Harness.RunChildProcessAsync(FileConcurrentCountMeasurement.MeasurementName, directory);
            int lost = (int)count["lost"], failed = (int)results.Sum(r => r["failed"]);
            lostTotal += lost;
            failedTotal += failed;
            elapsed.Add(results.Max(r => r["elapsed"]));
            harness.Add(Id, $"run {run + 1}: 2 processes × {PerProcess} appends to one session: stored / lost / duplicated / out of order / failed", count["stored"], $"stored, {lost} lost, {count["duplicated"]} duplicated, {count["unordered"]} out of order, {failed} failed", "0 lost", lost == 0 && count["duplicated"] == 0 && count["unordered"] == 0 && failed == 0);
        }

        harness.Add(Id, $"lost over {runs} runs", lostTotal, "messages", "0 in every run", lostTotal == 0);
        harness.Add(Id, "appends that failed (loudly) over all runs", failedTotal, "appends");
        harness.Add(Id, "both writers done (median over runs)", Harness.Median(elapsed), "ms");
    }
}

/// <summary>The W4 writer child: signals ready, waits for the go file, appends its 500 messages one at a time.</summary>
internal sealed class FileConcurrentAppendMeasurement : IChildMeasurement
{
    public const string MeasurementName = "w4-file-append";

    public string Name => MeasurementName;

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args)
    {
        int p = int.Parse(args[1], CultureInfo.InvariantCulture);
        string signals = args[2];
        var storage = FileBench.CreateStorage(args[0]);
        var messages = FileBench.Messages((uint)(142 + p), 500, FileBench.Start);
        await storage.ExistsAsync(FileBench.SessionId);
        await File.WriteAllTextAsync(Path.Combine(signals, "ready-" + p.ToString(CultureInfo.InvariantCulture)), "ready");
        string go = Path.Combine(signals, "go");
        while (!File.Exists(go)) Thread.SpinWait(100);
        int failed = 0;
        long start = Stopwatch.GetTimestamp();
        foreach (var message in messages)
        {
            try
            {
                await storage.AppendMessagesAsync(FileBench.SessionId, [message]);
            }
            catch (SessionsException ex)
            {
                failed++;
                await Console.Error.WriteLineAsync($"append failed loudly: {ex.Message}");
            }
        }

        double elapsed = Harness.ElapsedMs(start, Stopwatch.GetTimestamp());
        FileBench.Dispose(storage);
        return new Dictionary<string, double>(StringComparer.Ordinal) { ["elapsed"] = elapsed, ["failed"] = failed };
    }
}

/// <summary>The W4 counting child: loads the session in a fresh process and checks every writer's messages are there once, in order.</summary>
internal sealed class FileConcurrentCountMeasurement : IChildMeasurement
{
    public const string MeasurementName = "w4-file-count";

    public string Name => MeasurementName;

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args)
    {
        var storage = FileBench.CreateStorage(args[0]);
        var info = await storage.GetAsync(FileBench.SessionId) ?? throw new InvalidOperationException("the session does not load");
        var stored = await storage.GetMessagesAsync(FileBench.SessionId, MessageRange.All);
        FileBench.Dispose(storage);
        if (info.MessageCount != stored.Count) throw new InvalidOperationException($"count {info.MessageCount} but {stored.Count} messages");
        int lost = 0, duplicated = 0, unordered = 0;
        for (int p = 0; p < 2; p++)
        {
            var expected = FileBench.Messages((uint)(142 + p), 500, FileBench.Start).Select(m => m.Text).ToList();
            var index = expected.Select((text, i) => (text, i)).ToDictionary(x => x.text, x => x.i, StringComparer.Ordinal);
            var positions = stored.Where(m => index.ContainsKey(m.Text)).Select(m => index[m.Text]).ToList();
            lost += expected.Count - positions.Distinct().Count();
            duplicated += positions.Count - positions.Distinct().Count();
            for (int i = 1; i < positions.Count; i++) if (positions[i] <= positions[i - 1]) unordered++;
        }

        return new Dictionary<string, double>(StringComparer.Ordinal) { ["stored"] = stored.Count, ["lost"] = lost, ["duplicated"] = duplicated, ["unordered"] = unordered };
    }
}

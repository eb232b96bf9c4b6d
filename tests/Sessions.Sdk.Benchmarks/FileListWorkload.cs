using System.Diagnostics;

namespace Sessions.Sdk.Benchmarks;

/// <summary>W3: in a new process, list 1,000 sessions × 50 messages with name, message count and last-updated, without loading messages (file store).</summary>
internal sealed class FileListWorkload : IWorkload
{
    /// <summary>The number of sessions in the fixture: 1,000 (50 in a smoke run).</summary>
    public static readonly int Sessions = Harness.Size(1000, 50);

    public string Id => "W3";

    public async Task RunAsync(Harness harness, CancellationToken cancellationToken)
    {
        string directory = Path.Combine(harness.WorkDirectory, "w3");
        var setup = Stopwatch.StartNew();
        await FileListFixtureMeasurement.WriteFixtureAsync(directory);
        string referenceDirectory = Path.Combine(harness.WorkDirectory, "w3-reference");
        Directory.CreateDirectory(referenceDirectory);
        foreach (var journal in Directory.EnumerateFiles(directory, "*.jsonl"))
        {
            File.Copy(journal, Path.Combine(referenceDirectory, Path.GetFileName(journal)));
        }

        Console.Error.WriteLine($"W3: fixture of 1,000 × 50 messages written through the store in {setup.Elapsed.TotalSeconds:0.0} s");
        // The first listing after the fixture reads every session and writes the store's catalog (a second one may still have to,
        // when the directory's last change was within the timestamp margin of the first catalog): reported, then the steady state.
        var first = await Harness.RunChildProcessAsync(FileListMeasurement.MeasurementName, directory);
        await Task.Delay(TimeSpan.FromMilliseconds(300), cancellationToken);
        var second = await Harness.RunChildProcessAsync(FileListMeasurement.MeasurementName, directory);
        var list = await harness.MeasureAsync(FileListMeasurement.MeasurementName, directory);
        var reference = await harness.MeasureAsync(FileListReferenceMeasurement.MeasurementName, referenceDirectory);
        harness.Add(Id, "new process: list 1,000 sessions (name, count, last-updated)", list["cold"], "ms", "≤ 30 ms", list["cold"] <= 30);
        harness.Add(Id, "of which JIT compiling (methods compiled on first use)", list["jit"], "ms");
        harness.Add(Id, "list again in the same process (warm)", list["warm"], "ms");
        harness.Add(Id, "first listing after the fixture was written (new process; reads every session, writes the catalog)", first["cold"], "ms");
        harness.Add(Id, "second listing (new process)", second["cold"], "ms");
        harness.Add(Id, "reference (no library): readdir + stat of 1,000 files, new process", reference["cold"], "ms");
        double ratio = list["cold"] / reference["cold"];
        harness.Add(Id, "list ÷ readdir + stat", ratio, "x", "≤ 4×", ratio <= 4);
        if (await harness.MeasureReadyToRunAsync(FileListMeasurement.MeasurementName, directory) is { } r2r
            && await harness.MeasureReadyToRunAsync(FileListReferenceMeasurement.MeasurementName, referenceDirectory) is { } r2rReference)
        {
            harness.Add(Id, "the same, child published ReadyToRun: new process, list 1,000 sessions", r2r["cold"], "ms", "≤ 30 ms", r2r["cold"] <= 30);
            harness.Add(Id, "· ReadyToRun: of which JIT compiling", r2r["jit"], "ms");
            harness.Add(Id, "· ReadyToRun reference: readdir + stat of 1,000 files", r2rReference["cold"], "ms");
            double r2rRatio = r2r["cold"] / r2rReference["cold"];
            harness.Add(Id, "· ReadyToRun: list ÷ readdir + stat", r2rRatio, "x", "≤ 4×", r2rRatio <= 4);
        }

        harness.Add(Id, "store of 1,000 × 50 messages on disk", FileBench.BytesOnDisk(directory), "B");
    }
}

/// <summary>The W3 child: lists every session in a fresh process (cold), then once more (warm).</summary>
internal sealed class FileListMeasurement : IChildMeasurement
{
    public const string MeasurementName = "w3-file-list";

    public string Name => MeasurementName;

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args)
    {
        var storage = FileBench.CreateStorage(args[0]);
        var jitBefore = System.Runtime.JitInfo.GetCompilationTime();
        long start = Stopwatch.GetTimestamp();
        var sessions = new List<SessionInfo>();
        await foreach (var session in storage.ListAsync(new SessionQuery())) sessions.Add(session);
        double cold = Harness.ElapsedMs(start, Stopwatch.GetTimestamp());
        double jit = (System.Runtime.JitInfo.GetCompilationTime() - jitBefore).TotalMilliseconds;
        int expected = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : FileListWorkload.Sessions;
        if (sessions.Count != expected || sessions.Any(s => s.MessageCount != 50 || s.Id.Length != 5))
        {
            throw new InvalidOperationException($"expected {expected} sessions of 50 messages, listed {sessions.Count}");
        }

        start = Stopwatch.GetTimestamp();
        int again = 0;
        await foreach (var unused in storage.ListAsync(new SessionQuery())) again++;
        double warm = Harness.ElapsedMs(start, Stopwatch.GetTimestamp());
        FileBench.Dispose(storage);
        return new Dictionary<string, double>(StringComparer.Ordinal) { ["cold"] = cold, ["warm"] = warm, ["count"] = again, ["jit"] = jit };
    }
}

/// <summary>The W3 reference (no library): enumerate a directory of 1,000 files and stat each (length, last write), in a fresh process.</summary>
internal sealed class FileListReferenceMeasurement : IChildMeasurement
{
    public const string MeasurementName = "w3-file-reference";

    public string Name => MeasurementName;

    public Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args)
    {
        long start = Stopwatch.GetTimestamp();
        var found = new List<(string Name, long Length, DateTime Updated)>();
        foreach (var file in new DirectoryInfo(args[0]).EnumerateFiles())
        {
            found.Add((file.Name, file.Length, file.LastWriteTimeUtc));
        }

        double cold = Harness.ElapsedMs(start, Stopwatch.GetTimestamp());
        if (found.Count != FileListWorkload.Sessions) throw new InvalidOperationException($"expected {FileListWorkload.Sessions} files, found {found.Count}");
        return Task.FromResult<IReadOnlyDictionary<string, double>>(new Dictionary<string, double>(StringComparer.Ordinal) { ["cold"] = cold });
    }
}

/// <summary>Writes the W3 fixture through the store: sessions s0000…s0999 of 50 messages, seed 43 + s (also runnable alone as a child).</summary>
internal sealed class FileListFixtureMeasurement : IChildMeasurement
{
    public const string MeasurementName = "w3-file-fixture";

    public string Name => MeasurementName;

    public static async Task WriteFixtureAsync(string directory)
    {
        var storage = FileBench.CreateStorage(directory);
        for (int s = 0; s < FileListWorkload.Sessions; s++)
        {
            var time = FileBench.Start.AddMinutes(s);
            await storage.CreateAsync(
                new SessionInfo { Id = $"s{s:D4}", Title = $"Session {s:D4}", CreatedAt = time, UpdatedAt = time },
                FileBench.Messages((uint)(43 + s), 50, time));
        }

        FileBench.Dispose(storage);
    }

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args)
    {
        long start = Stopwatch.GetTimestamp();
        await WriteFixtureAsync(args[0]);
        return new Dictionary<string, double>(StringComparer.Ordinal) { ["ms"] = Harness.ElapsedMs(start, Stopwatch.GetTimestamp()) };
    }
}

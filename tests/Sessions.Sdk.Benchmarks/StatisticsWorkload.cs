using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Sessions.Sdk.Benchmarks;

/// <summary>W12: statistics across 1,000 sessions × 50 messages in a new process, file store and SQLite, through the session manager.</summary>
internal sealed class StatisticsWorkload : IWorkload
{
    public string Id => "W12";

    public async Task RunAsync(Harness harness, CancellationToken cancellationToken)
    {
        string directory = Path.Combine(harness.WorkDirectory, "w12-file");
        await FileListFixtureMeasurement.WriteFixtureAsync(directory);

        // The first listing after the fixture builds the file store's catalog (reported by W3); this is the steady state.
        await Harness.RunChildProcessAsync(StatisticsMeasurement.MeasurementName, "file", directory);
        await Task.Delay(TimeSpan.FromMilliseconds(300), cancellationToken);
        await Harness.RunChildProcessAsync(StatisticsMeasurement.MeasurementName, "file", directory);
        var file = await harness.MeasureAsync(StatisticsMeasurement.MeasurementName, "file", directory);
        harness.Add(Id, "file: new process, GetStatisticsAsync over 1,000 sessions (ISessionStatisticsSource: the listing catalog, no journal opened)", file["cold"], "ms", "≤ 30 ms", file["cold"] <= 30);
        harness.Add(Id, "file: of which JIT compiling", file["jit"], "ms");
        harness.Add(Id, "file: open the store first (not in the figure)", file["open"], "ms");
        harness.Add(Id, "file: again in the same process (warm)", file["warm"], "ms");
        if (await harness.MeasureReadyToRunAsync(StatisticsMeasurement.MeasurementName, "file", directory) is { } r2r)
        {
            harness.Add(Id, "file, child published ReadyToRun: new process, GetStatisticsAsync over 1,000 sessions", r2r["cold"], "ms", "≤ 30 ms", r2r["cold"] <= 30);
            harness.Add(Id, "· ReadyToRun: of which JIT compiling", r2r["jit"], "ms");
        }

        string database = Path.Combine(harness.WorkDirectory, "w12.db");
        await SqliteBench.CreateFixtureAsync(database, FileListWorkload.Sessions, 50, s => (uint)(43 + s));
        var sqlite = await harness.MeasureAsync(StatisticsMeasurement.MeasurementName, "sqlite", database);
        harness.Add(Id, "SQLite: new process, GetStatisticsAsync over 1,000 sessions (in SQL)", sqlite["cold"], "ms", "≤ 30 ms", sqlite["cold"] <= 30);
        harness.Add(Id, "SQLite: of which JIT compiling", sqlite["jit"], "ms");
        harness.Add(Id, "SQLite: open the store first (not in the figure)", sqlite["open"], "ms");
        harness.Add(Id, "SQLite: again in the same process (warm)", sqlite["warm"], "ms");
    }
}

/// <summary>The W12 child: builds the manager with AddSessions (not timed), then times GetStatisticsAsync cold and warm.</summary>
internal sealed class StatisticsMeasurement : IChildMeasurement
{
    public const string MeasurementName = "w12-statistics";

    public string Name => MeasurementName;

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args)
    {
        var services = new ServiceCollection();
        var builder = services.AddSessions();
        if (args[0] == "file") builder.UseFileStorage(args[1]);
        else builder.UseSqliteStorage($"Data Source={args[1]}");
        await using var provider = services.BuildServiceProvider();
        var sessions = provider.GetRequiredService<ISessionManager>();

        // Opening the store (first connection, schema check; the file store's folders) is W3/W7's "open", not part of the figure.
        long start = Stopwatch.GetTimestamp();
        await sessions.ExistsAsync("s0000");
        double openMs = Harness.ElapsedMs(start, Stopwatch.GetTimestamp());
        var jitBefore = System.Runtime.JitInfo.GetCompilationTime();
        start = Stopwatch.GetTimestamp();
        var cold = await sessions.GetStatisticsAsync();
        double coldMs = Harness.ElapsedMs(start, Stopwatch.GetTimestamp());
        double jitMs = (System.Runtime.JitInfo.GetCompilationTime() - jitBefore).TotalMilliseconds;
        if (cold.Sessions != FileListWorkload.Sessions || cold.Messages != FileListWorkload.Sessions * 50L)
        {
            throw new InvalidOperationException($"expected {FileListWorkload.Sessions} sessions / {FileListWorkload.Sessions * 50} messages, got {cold.Sessions} / {cold.Messages}");
        }
        start = Stopwatch.GetTimestamp();
        await sessions.GetStatisticsAsync();
        double warmMs = Harness.ElapsedMs(start, Stopwatch.GetTimestamp());
        return new Dictionary<string, double>(StringComparer.Ordinal) { ["open"] = openMs, ["cold"] = coldMs, ["jit"] = jitMs, ["warm"] = warmMs };
    }
}

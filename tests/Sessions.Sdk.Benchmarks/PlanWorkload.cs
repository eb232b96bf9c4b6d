using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Sessions.Sdk.Benchmarks;

/// <summary>W13: plan scheduling + persisted state per step (100-step DAG, zero-latency executor, file store without fsync); 8 × 200 ms steps in parallel.</summary>
internal sealed class PlanWorkload : IWorkload
{
    public string Id => "W13";

    public async Task RunAsync(Harness harness, CancellationToken cancellationToken)
    {
        string directory = Path.Combine(harness.WorkDirectory, "w13");
        Directory.CreateDirectory(directory);
        var f = await harness.MeasureAsync(PlanMeasurement.MeasurementName, directory);
        int steps = (int)f["steps"];
        harness.Add("W13", $"{steps}-step DAG, zero-latency executor, file store (no fsync): scheduling + persisted state per step (steady: median of {(int)f["plans"]} plans after {(int)f["warmups"]} warm-up plans)", f["perStepMs"], "ms", "≤ 1 ms", f["perStepMs"] <= 1);
        harness.Add("W13", "  CPU time of the process per step, same plans (wall minus this is waiting for a core on a loaded machine)", f["cpuPerStepMs"], "ms");
        harness.Add("W13", "  first plan in a fresh process (JIT included), per step", f["coldPerStepMs"], "ms");
        harness.Add("W13", "  second plan in the process, per step", f["secondPerStepMs"], "ms");
        harness.Add("W13", $"  state events persisted for one {steps}-step plan", f["events"], "");
        harness.Add("W13", "  appends (state records) for those events (group commit: outcomes + next starts in one append)", f["records"], "");
        harness.Add("W13", "  reference: 2 single-event state appends (a step's start + end, the old cost) through Session, no scheduling, per step", f["appendsPerStepMs"], "ms");
        harness.Add("W13", "  per step ÷ the 2-append reference", f["perStepMs"] / f["appendsPerStepMs"], "x");
        harness.Add("W13", "one 200 ms step (reference, same run)", f["oneStepMs"], "ms");
        harness.Add("W13", "8 independent 200 ms steps, MaxParallelSteps = 8: total", f["eightStepsMs"], "ms");
        harness.Add("W13", "  ratio to one step", f["eightStepsMs"] / f["oneStepMs"], "x", "≤ 1.3×", f["eightStepsMs"] / f["oneStepMs"] <= 1.3);
    }
}

/// <summary>Child process of W13.</summary>
internal sealed class PlanMeasurement : IChildMeasurement
{
    public const string MeasurementName = "plan";

    public string Name => MeasurementName;

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args)
    {
        int steps = Harness.Size(100, 10), warmups = Harness.Size(5, 1), measured = Harness.Size(5, 1);
        var executor = new Executor();
        var services = new ServiceCollection();
        services.AddSingleton<IPlanStepExecutor>(executor);
        services.AddSessions().UseFileStorage(args[0]).AddPlanning(o => { o.RequireApproval = false; o.MaxSteps = 1000; o.MaxParallelSteps = 8; });
        await using var provider = services.BuildServiceProvider();
        var plans = provider.GetRequiredService<IPlanSessionManager>();

        // Cold: the first plan of the process (JIT included); then warm-up plans; then the steady figure over several plans.
        double cold = (await RunDagAsync(plans, steps, seed: 1)).WallMs;
        double second = (await RunDagAsync(plans, steps, seed: 2)).WallMs;
        for (int i = 0; i < warmups; i++) await RunDagAsync(plans, steps, seed: 10 + i);
        var runs = new List<(double WallMs, double CpuMs)>();
        for (int i = 0; i < measured; i++) runs.Add(await RunDagAsync(plans, steps, seed: 100 + i));
        var last = await plans.CreateAsync("dag", Dag(steps, 3));
        await last.ExecuteAsync();
        int events = 0;
        await foreach (var _ in last.Session.ReadStateAsync("plan")) events++;
        int records = (await last.Session.GetMessagesAsync()).Count(m => SessionStateContent.IsStateMessage(m.Message));

        // Reference in the same run: the two single-event state appends a step cost before group commit, without any scheduling.
        var reference = await plans.CreateAsync("reference", [new PlanStep { Id = "s", Title = "s" }]);
        var payload = System.Text.Json.JsonDocument.Parse("{\"v\":1,\"at\":\"2026-12-06T00:00:00+00:00\",\"stepId\":\"s42\",\"attempt\":1}").RootElement;
        for (int i = 0; i < 20 * (warmups + 1); i++) await reference.Session.AppendStateAsync("bench", "warmup", payload);
        long start0 = Stopwatch.GetTimestamp();
        for (int i = 0; i < 2 * steps; i++) await reference.Session.AppendStateAsync("bench", "step.started", payload);
        double appendsPerStep = Harness.ElapsedMs(start0, Stopwatch.GetTimestamp()) / steps;

        executor.Delay = TimeSpan.FromMilliseconds(200);
        var one = await plans.CreateAsync("one", [new PlanStep { Id = "s", Title = "s" }]);
        long start = Stopwatch.GetTimestamp();
        await one.ExecuteAsync();
        double oneMs = Harness.ElapsedMs(start, Stopwatch.GetTimestamp());
        var eight = await plans.CreateAsync("eight", Enumerable.Range(0, 8).Select(i => new PlanStep { Id = "s" + i, Title = "s" + i }));
        start = Stopwatch.GetTimestamp();
        var result = await eight.ExecuteAsync();
        double eightMs = Harness.ElapsedMs(start, Stopwatch.GetTimestamp());
        if (result.Status != PlanStatus.Completed) throw new InvalidOperationException("the 8-step plan did not complete");

        return new Dictionary<string, double>
        {
            ["steps"] = steps,
            ["plans"] = measured,
            ["warmups"] = warmups,
            ["perStepMs"] = Harness.Median(runs.Select(r => r.WallMs)) / steps,
            ["cpuPerStepMs"] = Harness.Median(runs.Select(r => r.CpuMs)) / steps,
            ["coldPerStepMs"] = cold / steps,
            ["secondPerStepMs"] = second / steps,
            ["events"] = events,
            ["records"] = records,
            ["appendsPerStepMs"] = appendsPerStep,
            ["oneStepMs"] = oneMs,
            ["eightStepsMs"] = eightMs,
        };
    }

    private static async Task<(double WallMs, double CpuMs)> RunDagAsync(IPlanSessionManager plans, int count, int seed)
    {
        var planner = await plans.CreateAsync("dag", Dag(count, seed));
        using var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        long start = Stopwatch.GetTimestamp();
        var result = await planner.ExecuteAsync();
        double ms = Harness.ElapsedMs(start, Stopwatch.GetTimestamp());
        process.Refresh();
        double cpuMs = (process.TotalProcessorTime - cpu).TotalMilliseconds;
        if (result.Status != PlanStatus.Completed) throw new InvalidOperationException("the DAG did not complete");
        return (ms, cpuMs);
    }

    /// <summary>A deterministic DAG: each step depends on up to two random earlier steps.</summary>
    private static List<PlanStep> Dag(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(i => new PlanStep
        {
            Id = "s" + i,
            Title = "step " + i,
            Dependencies = i == 0 ? [] : [.. Enumerable.Range(0, 2).Select(_ => "s" + random.Next(i)).Distinct()],
        })];
    }

    private sealed class Executor : IPlanStepExecutor
    {
        public TimeSpan Delay { get; set; }

        public async Task<string> ExecuteAsync(PlanStepContext context, CancellationToken cancellationToken)
        {
            if (Delay > TimeSpan.Zero) await Task.Delay(Delay, cancellationToken);
            return "ok";
        }
    }
}

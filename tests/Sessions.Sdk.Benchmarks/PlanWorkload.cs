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
        harness.Add("W13", "100-step DAG, zero-latency executor, file store (no fsync): scheduling + persisted state per step", f["perStepMs"], "ms", "≤ 1 ms", f["perStepMs"] <= 1);
        harness.Add("W13", "  same, first plan in a fresh process (JIT included), per step", f["coldPerStepMs"], "ms");
        harness.Add("W13", "  state events persisted for the 100-step plan", f["events"], "");
        harness.Add("W13", "  reference: 2 state appends (a step's start + end) through Session, no scheduling", f["appendsPerStepMs"], "ms");
        harness.Add("W13", "  scheduling overhead per step beyond the 2 appends", f["perStepMs"] - f["appendsPerStepMs"], "ms");
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
        var executor = new Executor();
        long start0;
        var services = new ServiceCollection();
        services.AddSingleton<IPlanStepExecutor>(executor);
        services.AddSessions().UseFileStorage(args[0]).AddPlanning(o => { o.RequireApproval = false; o.MaxSteps = 1000; o.MaxParallelSteps = 8; });
        await using var provider = services.BuildServiceProvider();
        var plans = provider.GetRequiredService<IPlanSessionManager>();

        // Cold: the first 100-step plan of the process (JIT included); then the steady figure on a second plan.
        double cold = await RunDagAsync(plans, 100, seed: 1);
        double warm = await RunDagAsync(plans, 100, seed: 2);
        var last = await plans.CreateAsync("dag", Dag(100, 3));
        await last.ExecuteAsync();
        int events = 0;
        await foreach (var _ in last.Session.ReadStateAsync("plan")) events++;

        // Reference in the same run: the two state appends a step costs (start, output + end), without any scheduling.
        var reference = await plans.CreateAsync("reference", [new PlanStep { Id = "s", Title = "s" }]);
        var payload = System.Text.Json.JsonDocument.Parse("{\"v\":1,\"at\":\"2026-12-06T00:00:00+00:00\",\"stepId\":\"s42\",\"attempt\":1}").RootElement;
        for (int i = 0; i < 20; i++) await reference.Session.AppendStateAsync("bench", "warmup", payload);
        start0 = Stopwatch.GetTimestamp();
        for (int i = 0; i < 200; i++) await reference.Session.AppendStateAsync("bench", "step.started", payload);
        double appendsPerStep = Harness.ElapsedMs(start0, Stopwatch.GetTimestamp()) / 100;

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
            ["perStepMs"] = warm / 100,
            ["coldPerStepMs"] = cold / 100,
            ["events"] = events,
            ["appendsPerStepMs"] = appendsPerStep,
            ["oneStepMs"] = oneMs,
            ["eightStepsMs"] = eightMs,
        };
    }

    private static async Task<double> RunDagAsync(IPlanSessionManager plans, int count, int seed)
    {
        var planner = await plans.CreateAsync("dag", Dag(count, seed));
        long start = Stopwatch.GetTimestamp();
        var result = await planner.ExecuteAsync();
        double ms = Harness.ElapsedMs(start, Stopwatch.GetTimestamp());
        if (result.Status != PlanStatus.Completed) throw new InvalidOperationException("the DAG did not complete");
        return ms;
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

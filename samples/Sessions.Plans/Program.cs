using Microsoft.Extensions.DependencyInjection;
using Sessions.Plans;
using Sessions.Sdk;

// Plan sessions, offline: a stand-in model writes the plan and carries out the steps. Run it twice: the second run
// finds the plan in ./plan-sessions and resumes it (kill it with Ctrl+C mid-execution to see only unfinished steps run).
var services = new ServiceCollection();
services.AddSessions()
    .UseFileStorage("./plan-sessions")
    .AddChatProvider("offline", new OfflinePlannerChatClient(), "offline-planner")
    .AddPlanning(o =>
    {
        o.MaxSteps = 10;
        o.RequireApproval = true;
        o.StepTimeout = TimeSpan.FromSeconds(30);
        o.MaxParallelSteps = 2;
        o.MaxStepRetries = 1;
    });
await using var provider = services.BuildServiceProvider();
var plans = provider.GetRequiredService<IPlanSessionManager>();
var sessions = provider.GetRequiredService<ISessionManager>();

PlanSession planner;
var last = await sessions.ResumeLastAsync(SessionKind.Plan);
if (last is null)
{
    planner = await plans.CreateAsync("Build a REST API with authentication");   // the model writes the plan
    Console.WriteLine(planner.Plan.ToMarkdown());
    Console.WriteLine(planner.Plan.ToYaml());
    var preview = await planner.ExecuteAsync(new PlanExecutionOptions { DryRun = true });
    Console.WriteLine("Dry run, in waves: " + string.Join(" | ", preview.Schedule.Select(w => string.Join(", ", w))));
    await planner.ApproveAsync();                                                   // persisted: a restart keeps it
}
else
{
    planner = await plans.OpenAsync(last.Id);
    Console.WriteLine($"Resuming plan {planner.Plan.Id} ({planner.Plan.Status}).");
}

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
try
{
    var result = await planner.ExecuteAsync(
        progress: new Progress<PlanProgress>(p =>
        {
            if (p.Step is { } step) Console.WriteLine($"  {p.Kind,-12} {step.Id,-7} {step.Status,-9} ({p.CompletedSteps}/{p.TotalSteps})");
        }),
        cancellationToken: cts.Token);
    Console.WriteLine($"Plan {result.Status} in {result.Duration.TotalMilliseconds:0} ms.");
    Console.WriteLine(result.Plan.ToMarkdown());
}
catch (OperationCanceledException)
{
    Console.WriteLine("Cancelled; run again to resume the unfinished steps.");
}

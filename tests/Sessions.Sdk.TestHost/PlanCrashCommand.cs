using System.Globalization;
using Microsoft.Extensions.DependencyInjection;

namespace Sessions.Sdk.TestHost;

/// <summary>
/// <c>plan-crash &lt;root&gt; &lt;planId&gt; &lt;seed&gt;</c>: opens a plan in a file store and executes it (resuming whatever is
/// unfinished) until killed. The step executor prints <c>S {stepId} {attempt}</c> when a step starts and <c>E {stepId}</c> when it
/// returns (its completion is persisted after that); <c>done {status}</c> when the execution ends.
/// </summary>
internal sealed class PlanCrashCommand : ITestHostCommand
{
    public string Name => "plan-crash";

    public async Task<int> RunAsync(string[] args)
    {
        string root = args[0], planId = args[1];
        var random = new Random(int.Parse(args[2], CultureInfo.InvariantCulture));
        var output = Console.Out;
        var services = new ServiceCollection();
        services.AddSingleton<IPlanStepExecutor>(new Executor(output, random));
        services.AddSessions().UseFileStorage(root).AddPlanning(o => { o.RequireApproval = false; o.MaxSteps = 1000; o.MaxParallelSteps = 3; o.MaxStepRetries = 0; });
        await using var provider = services.BuildServiceProvider();
        var planner = await provider.GetRequiredService<IPlanSessionManager>().OpenAsync(planId);
        var result = await planner.ExecuteAsync();
        Say(output, "done " + result.Status);
        return 0;
    }

    internal static void Say(TextWriter output, string line)
    {
        lock (output)
        {
            output.Write(line + "\n");
            output.Flush();
        }
    }

    private sealed class Executor(TextWriter output, Random random) : IPlanStepExecutor
    {
        public async Task<string> ExecuteAsync(PlanStepContext context, CancellationToken cancellationToken)
        {
            Say(output, $"S {context.Step.Id} {context.Attempt}");
            int delay;
            lock (random) delay = random.Next(1, 13);
            if (delay > 0) await Task.Delay(delay, cancellationToken);

            // The output names the step and proves the inputs were the finished outputs of its dependencies.
            var inputs = string.Join(",", context.Step.Dependencies.Select(d => context.DependencyOutputs[d]));
            Say(output, $"E {context.Step.Id}");
            return $"out-{context.Step.Id}[{inputs.Length}]";
        }
    }
}

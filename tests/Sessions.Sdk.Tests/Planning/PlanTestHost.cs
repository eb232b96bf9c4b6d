using Microsoft.Extensions.DependencyInjection;
using Sessions.Sdk.Testing;

namespace Sessions.Sdk.Tests;

/// <summary>Builds AddSessions().AddPlanning() over memory or file storage, a scripted model and (optionally) a test step executor.</summary>
internal sealed class PlanTestHost : IDisposable
{
    public PlanTestHost(Action<PlanningOptions>? configure = null, TestStepExecutor? executor = null, string? fileDirectory = null, TimeProvider? time = null, ScriptedChatClient? client = null)
    {
        Client = client ?? new ScriptedChatClient();
        Executor = executor;
        var services = new ServiceCollection();
        services.AddSingleton(time ?? TimeProvider.System);
        if (executor is not null)
        {
            services.AddSingleton<IPlanStepExecutor>(executor);
        }

        var builder = services.AddSessions().AddChatProvider("fake", Client, "fake-model").AddPlanning(configure);
        builder.ConfigureResilience(o => o.Enabled = false);
        if (fileDirectory is null)
        {
            builder.UseMemoryStorage();
        }
        else
        {
            builder.UseFileStorage(fileDirectory);
        }

        Provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        Plans = Provider.GetRequiredService<IPlanSessionManager>();
        Sessions = Provider.GetRequiredService<ISessionManager>();
    }

    public ScriptedChatClient Client { get; }

    public TestStepExecutor? Executor { get; }

    public ServiceProvider Provider { get; }

    public IPlanSessionManager Plans { get; }

    public ISessionManager Sessions { get; }

    public static PlanStep Step(string id, params string[] dependencies) =>
        new() { Id = id, Title = "Do " + id, Description = "The work of " + id + ".", Dependencies = dependencies };

    public void Dispose() => Provider.Dispose();
}

/// <summary>A step executor for tests: runs a callback, records every call and the highest number of steps running at once.</summary>
internal sealed class TestStepExecutor(Func<PlanStepContext, CancellationToken, Task<string>>? run = null) : IPlanStepExecutor
{
    private readonly Lock _gate = new();
    private readonly List<(string StepId, int Attempt, IReadOnlyDictionary<string, string> Inputs)> _calls = [];
    private int _running;
    private int _maxRunning;

    public Func<PlanStepContext, CancellationToken, Task<string>> Run { get; set; } = run ?? ((c, _) => Task.FromResult("out-" + c.Step.Id));

    public IReadOnlyList<(string StepId, int Attempt, IReadOnlyDictionary<string, string> Inputs)> Calls
    {
        get
        {
            lock (_gate) return [.. _calls];
        }
    }

    public IReadOnlyList<string> StepIds => [.. Calls.Select(c => c.StepId)];

    public int MaxRunning => Volatile.Read(ref _maxRunning);

    public async Task<string> ExecuteAsync(PlanStepContext context, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _calls.Add((context.Step.Id, context.Attempt, context.DependencyOutputs));
            _running++;
            _maxRunning = Math.Max(_maxRunning, _running);
        }

        try
        {
            return await Run(context, cancellationToken);
        }
        finally
        {
            lock (_gate) _running--;
        }
    }
}

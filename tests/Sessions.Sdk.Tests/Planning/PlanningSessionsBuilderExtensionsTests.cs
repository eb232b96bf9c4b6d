using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Sessions.Sdk.Tests;

[TestFixture]
public sealed class PlanningSessionsBuilderExtensionsTests
{
    [Test]
    public void AddPlanning_CalledTwice_RegistersOneManagerAndAppliesEveryConfiguration()
    {
        var services = new ServiceCollection();
        services.AddSessions().UseMemoryStorage().AddPlanning(o => o.MaxSteps = 7).AddPlanning(o => o.MaxParallelSteps = 2);
        using var provider = services.BuildServiceProvider();

        Assert.That(services.Count(d => d.ServiceType == typeof(IPlanSessionManager)), Is.EqualTo(1));
        var first = provider.GetRequiredService<IPlanSessionManager>();
        Assert.That(provider.GetRequiredService<IPlanSessionManager>(), Is.SameAs(first));
        var options = provider.GetRequiredService<IOptions<PlanningOptions>>().Value;
        Assert.That((options.MaxSteps, options.MaxParallelSteps, options.RequireApproval, options.StepTimeout, options.MaxStepRetries), Is.EqualTo((7, 2, true, TimeSpan.FromMinutes(5), 2)));
    }

    [Test]
    public void AddPlanning_OwnExecutorRegisteredAfter_ReplacesTheDefault()
    {
        var services = new ServiceCollection();
        services.AddSessions().UseMemoryStorage().AddPlanning();
        var mine = new TestStepExecutor();
        services.AddSingleton<IPlanStepExecutor>(mine);
        using var provider = services.BuildServiceProvider();

        Assert.That(provider.GetRequiredService<IPlanStepExecutor>(), Is.SameAs(mine));
        Assert.That(((PlanSessionManager)provider.GetRequiredService<IPlanSessionManager>()).Executor, Is.SameAs(mine));
    }

    [Test]
    public void AddPlanning_InvalidOptions_FailOnResolveNamingEachOption()
    {
        var services = new ServiceCollection();
        services.AddSessions().UseMemoryStorage().AddPlanning(o => { o.MaxSteps = 0; o.MaxParallelSteps = 0; o.MaxStepRetries = -1; o.StepTimeout = TimeSpan.Zero; });
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IPlanSessionManager>());

        Assert.That(ex!.Failures, Is.EqualTo(new[]
        {
            "PlanningOptions.MaxSteps must be between 1 and 1000 (was 0).",
            "PlanningOptions.StepTimeout must be positive and at most 49 days, or Timeout.InfiniteTimeSpan (was 00:00:00).",
            "PlanningOptions.MaxParallelSteps must be between 1 and 256 (was 0).",
            "PlanningOptions.MaxStepRetries must be between 0 and 100 (was -1).",
        }));
    }
}

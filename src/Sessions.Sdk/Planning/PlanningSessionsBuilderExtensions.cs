using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Sessions.Sdk;

/// <summary>Adds plan sessions to an <see cref="ISessionsBuilder"/>.</summary>
public static class PlanningSessionsBuilderExtensions
{
    /// <summary>Adds <see cref="IPlanSessionManager"/> and the default step executor; safe to call more than once.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Configures <see cref="PlanningOptions"/>; every call's action is applied, in order.</param>
    /// <returns>The builder.</returns>
    /// <remarks>
    /// The default <see cref="IPlanStepExecutor"/> runs each step as a chat turn of the plan's session; register your own
    /// <see cref="IPlanStepExecutor"/> (before or after this call) to replace it. Options are validated when the manager is
    /// first resolved and at host start.
    /// </remarks>
    public static ISessionsBuilder AddPlanning(this ISessionsBuilder builder, Action<PlanningOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (configure is not null)
        {
            services.Configure(configure);
        }

        if (!services.Any(d => d.ServiceType == typeof(PlanningMarker)))
        {
            services.AddSingleton<PlanningMarker>();
            services.AddOptions<PlanningOptions>().ValidateOnStart();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PlanningOptions>, PlanningOptionsValidator>());
            services.TryAddSingleton<IPlanStepExecutor, ChatPlanStepExecutor>();
            services.TryAddSingleton<IPlanSessionManager>(sp => new PlanSessionManager(
                sp.GetRequiredService<ISessionManager>(),
                sp.GetRequiredService<IOptions<PlanningOptions>>(),
                sp.GetRequiredService<IPlanStepExecutor>(),
                sp.GetService<TimeProvider>() ?? TimeProvider.System,
                sp.GetService<ILoggerFactory>()));
        }

        return builder;
    }

    /// <summary>Marks a service collection that AddPlanning already configured.</summary>
    private sealed class PlanningMarker;
}

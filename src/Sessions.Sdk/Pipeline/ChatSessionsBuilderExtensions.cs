using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Sessions.Sdk;

/// <summary>Registers tools, models, resilience and context policies for every session's chat pipeline.</summary>
public static class ChatSessionsBuilderExtensions
{
    /// <summary>Registers a tool every session offers the model (unless the session disables tools).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="tool">The tool, usually an <see cref="AIFunction"/> from <see cref="AIFunctionFactory"/>.</param>
    /// <returns>The builder.</returns>
    /// <remarks>Idempotent for the same instance; a session's own tool of the same name takes precedence.</remarks>
    public static ISessionsBuilder AddTool(this ISessionsBuilder builder, AITool tool)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(tool);
        AddChatCore(builder.Services);
        if (!builder.Services.Any(d => d.ServiceType == typeof(ChatToolRegistration) && d.ImplementationInstance is ChatToolRegistration r && ReferenceEquals(r.Tool, tool)))
        {
            builder.Services.AddSingleton(new ChatToolRegistration(tool));
        }

        return builder;
    }

    /// <summary>Registers several tools every session offers the model.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="tools">The tools.</param>
    /// <returns>The builder.</returns>
    public static ISessionsBuilder AddTools(this ISessionsBuilder builder, params IEnumerable<AITool> tools)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(tools);
        foreach (var tool in tools)
        {
            builder.AddTool(tool);
        }

        return builder;
    }

    /// <summary>Adds a model to the catalog used for context budgets and cost.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="model">The model's provider, id, context window and prices.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException">The model has no provider name or id, or a negative window or price.</exception>
    public static ISessionsBuilder AddModel(this ISessionsBuilder builder, ChatModelInfo model)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(model);
        _ = new ChatModelCatalog([model]);
        AddChatCore(builder.Services);
        builder.Services.AddSingleton(model);
        return builder;
    }

    /// <summary>Adds several models to the catalog.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="models">The models.</param>
    /// <returns>The builder.</returns>
    public static ISessionsBuilder AddModels(this ISessionsBuilder builder, params IEnumerable<ChatModelInfo> models)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(models);
        foreach (var model in models)
        {
            builder.AddModel(model);
        }

        return builder;
    }

    /// <summary>Configures the chat pipeline (tool invocation, resilience, context policy, telemetry).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Configures the options; validated when first used.</param>
    /// <returns>The builder.</returns>
    public static ISessionsBuilder ConfigureChat(this ISessionsBuilder builder, Action<ChatPipelineOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        AddChatCore(builder.Services);
        builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>Configures retries, timeouts, the circuit breaker and the fallback provider of model calls.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Configures the options; validated when first used.</param>
    /// <returns>The builder.</returns>
    public static ISessionsBuilder ConfigureResilience(this ISessionsBuilder builder, Action<ChatResilienceOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return builder.ConfigureChat(o => configure(o.Resilience));
    }

    /// <summary>Sets the policy that chooses which history messages are sent to the model.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="policy">The policy, such as <see cref="ChatContextPolicy.TokenBudget"/>.</param>
    /// <returns>The builder.</returns>
    public static ISessionsBuilder UseContextPolicy(this ISessionsBuilder builder, ChatContextPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return builder.ConfigureChat(o => o.ContextPolicy = policy);
    }

    /// <summary>Adds middleware to every session's chat pipeline, on the same M.E.AI <see cref="ChatClientBuilder"/> applications use.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Adds middleware with <c>b.Use(...)</c> or M.E.AI's <c>Use…</c> extensions; it may resolve services.</param>
    /// <returns>The builder.</returns>
    /// <remarks>
    /// Called once per provider and model when its pipeline is first built. Middleware added here is the outermost: it sees each
    /// session turn once (with the whole context), before the context policy and the tool loop. Several calls apply in order.
    /// </remarks>
    public static ISessionsBuilder ConfigureChatClient(this ISessionsBuilder builder, Action<ChatClientBuilder, IServiceProvider> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        AddChatCore(builder.Services);
        builder.Services.AddSingleton(new ChatClientConfiguration(null, configure));
        return builder;
    }

    /// <summary>Adds middleware to the chat pipelines of one provider's sessions.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="providerName">The registered provider name (ignoring case).</param>
    /// <param name="configure">Adds middleware to the builder; it may resolve services.</param>
    /// <returns>The builder.</returns>
    /// <remarks>Applied after (inside) the middleware added for every provider.</remarks>
    public static ISessionsBuilder ConfigureChatClient(this ISessionsBuilder builder, string providerName, Action<ChatClientBuilder, IServiceProvider> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(providerName);
        ArgumentNullException.ThrowIfNull(configure);
        AddChatCore(builder.Services);
        builder.Services.AddSingleton(new ChatClientConfiguration(providerName, configure));
        return builder;
    }

    /// <summary>Registers the pipeline services once; called by every method here and by <c>AddSessions</c>.</summary>
    internal static void AddChatCore(IServiceCollection services)
    {
        services.AddOptions<ChatPipelineOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ChatPipelineOptions>, ChatPipelineOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new ChatModelCatalog(sp.GetServices<ChatModelInfo>()));
        services.TryAddSingleton(sp => new ChatPipelineFactory(
            sp.GetServices<IChatProvider>(),
            sp.GetRequiredService<IOptions<ChatPipelineOptions>>(),
            sp.GetRequiredService<IOptions<SessionsOptions>>(),
            sp.GetRequiredService<ChatModelCatalog>(),
            sp.GetServices<ChatToolRegistration>(),
            OrderConfigurations(sp.GetServices<ChatClientConfiguration>()),
            sp.GetService<ILoggerFactory>(),
            sp.GetService<TimeProvider>(),
            sp));
    }

    /// <summary>Orders middleware: every provider's first, then per-provider, each in registration order.</summary>
    private static IEnumerable<ChatClientConfiguration> OrderConfigurations(IEnumerable<ChatClientConfiguration> configurations)
    {
        var all = configurations.ToList();
        return [.. all.Where(c => c.ProviderName is null), .. all.Where(c => c.ProviderName is not null)];
    }
}

using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Polly;

namespace Sessions.Sdk;

/// <summary>Adds Sessions.Sdk's steps (tools, resilience, telemetry, logging, context policy) to a <see cref="ChatPipelineBuilder"/>.</summary>
/// <remarks>
/// A typical order, outermost first: context policy, tool invocation, logging, resilience, telemetry. Steps that log resolve
/// <see cref="ILoggerFactory"/> from the services given to <see cref="ChatPipelineBuilder.Build"/>.
/// </remarks>
public static class ChatPipelineBuilderExtensions
{
    /// <summary>Adds a step that invokes the functions the model asks for and loops until it answers.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Configures the step's options.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static ChatPipelineBuilder UseToolInvocation(this ChatPipelineBuilder builder, Action<ToolInvocationOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new ToolInvocationOptions();
        configure?.Invoke(options);
        options.Validate();
        return builder.Use((inner, services) => new ToolInvokingChatClient(inner, options, CreateLogger(services, typeof(ToolInvokingChatClient)), services));
    }

    /// <summary>Adds a step that retries transient failures with backoff, applies timeouts and a circuit breaker, and may fall back.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="providerName">The provider the pipeline calls, named in logs and errors.</param>
    /// <param name="configure">Configures the resilience options.</param>
    /// <param name="fallbackClient">The client to call when the provider still fails; <see langword="null"/> for none.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException">An option is out of range; the message names it.</exception>
    public static ChatPipelineBuilder UseResilience(
        this ChatPipelineBuilder builder, string providerName, Action<ChatResilienceOptions>? configure = null, IChatClient? fallbackClient = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(providerName);
        var options = new ChatResilienceOptions();
        configure?.Invoke(options);
        options.Validate();
        return builder.Use((inner, services) =>
        {
            var logger = CreateLogger(services, typeof(ResilientChatClient));
            var timeProvider = services?.GetService(typeof(TimeProvider)) as TimeProvider;
            var pipeline = ChatResilience.CreatePipeline(options, providerName, logger, timeProvider);
            return new ResilientChatClient(inner, pipeline, providerName, fallbackClient, options.FallbackProvider, logger);
        });
    }

    /// <summary>Adds a step that runs each model call through a Polly pipeline you built.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="pipeline">The pipeline.</param>
    /// <param name="providerName">The provider the pipeline calls, named in logs and errors.</param>
    /// <param name="fallbackClient">The client to call when the provider still fails; <see langword="null"/> for none.</param>
    /// <returns>The builder.</returns>
    public static ChatPipelineBuilder UseResilience(this ChatPipelineBuilder builder, ResiliencePipeline pipeline, string providerName, IChatClient? fallbackClient = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentException.ThrowIfNullOrWhiteSpace(providerName);
        return builder.Use((inner, services) => new ResilientChatClient(inner, pipeline, providerName, fallbackClient, null, CreateLogger(services, typeof(ResilientChatClient))));
    }

    /// <summary>Adds a step that reports each model call as an OpenTelemetry GenAI span and metrics (<see cref="SessionsTelemetry"/>).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="providerName">The provider name reported as <c>gen_ai.provider.name</c>; <see langword="null"/> for the client's metadata.</param>
    /// <returns>The builder.</returns>
    public static ChatPipelineBuilder UseTelemetry(this ChatPipelineBuilder builder, string? providerName = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use(inner => new TelemetryChatClient(inner, providerName));
    }

    /// <summary>Adds a step that logs each model call; message content is logged only at Trace level.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="loggerFactory">The logger factory; <see langword="null"/> to resolve it from the build services.</param>
    /// <returns>The builder.</returns>
    public static ChatPipelineBuilder UseLogging(this ChatPipelineBuilder builder, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use((inner, services) =>
        {
            var factory = loggerFactory ?? services?.GetService(typeof(ILoggerFactory)) as ILoggerFactory;
            return factory is null ? inner : new LoggingChatClient(inner, factory.CreateLogger(typeof(LoggingChatClient).FullName!));
        });
    }

    /// <summary>Adds a step that shapes the messages sent to the model with a context policy.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="policy">The policy.</param>
    /// <param name="model">The catalog entry of the model, for token budgets; <see langword="null"/> when unknown.</param>
    /// <returns>The builder.</returns>
    public static ChatPipelineBuilder UseContextPolicy(this ChatPipelineBuilder builder, ChatContextPolicy policy, ChatModelInfo? model = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(policy);
        return builder.Use((inner, services) =>
        {
            var logger = CreateLogger(services, typeof(ReducingChatClient));
            var reducer = policy.CreateReducer(new ChatContextPolicyContext(inner, model, null, logger));
            return reducer is null ? inner : new ReducingChatClient(inner, reducer, logger);
        });
    }

    /// <summary>Adds a step that shapes the messages sent to the model with any <see cref="IChatReducer"/>.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="reducer">The reducer.</param>
    /// <returns>The builder.</returns>
    public static ChatPipelineBuilder UseChatReducer(this ChatPipelineBuilder builder, IChatReducer reducer)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(reducer);
        return builder.Use((inner, services) => new ReducingChatClient(inner, reducer, CreateLogger(services, typeof(ReducingChatClient))));
    }

    internal static ILogger? CreateLogger(IServiceProvider? services, Type category) =>
        (services?.GetService(typeof(ILoggerFactory)) as ILoggerFactory)?.CreateLogger(category.FullName!);
}

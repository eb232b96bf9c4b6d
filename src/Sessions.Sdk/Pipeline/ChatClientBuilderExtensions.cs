using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

// ReducingChatClient is marked experimental in M.E.AI 11; context policies are IChatReducers by design (issue 8).
#pragma warning disable MEAI001

namespace Sessions.Sdk;

/// <summary>Adds Sessions.Sdk's middleware (resilience with fallback, context policies) to M.E.AI's <see cref="ChatClientBuilder"/>, for use without sessions.</summary>
public static class ChatClientBuilderExtensions
{
    /// <summary>Adds Polly retries with backoff, timeouts, a circuit breaker and an optional fallback client around each model call.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="providerName">The provider the pipeline calls, named in logs and errors.</param>
    /// <param name="configure">Configures the resilience options.</param>
    /// <param name="fallbackClient">The client to call when the provider still fails; <see langword="null"/> for none.</param>
    /// <returns>The builder.</returns>
    /// <remarks>Place it below <c>UseFunctionInvocation</c> so each model round is retried on its own. Logs through the build services' <see cref="ILoggerFactory"/>.</remarks>
    /// <exception cref="ArgumentException">An option is out of range; the message names it.</exception>
    public static ChatClientBuilder UseResilience(
        this ChatClientBuilder builder, string providerName, Action<ChatResilienceOptions>? configure = null, IChatClient? fallbackClient = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(providerName);
        var options = new ChatResilienceOptions();
        configure?.Invoke(options);
        options.Validate();
        return builder.Use((inner, services) =>
        {
            var logger = (services.GetService(typeof(ILoggerFactory)) as ILoggerFactory)?.CreateLogger(typeof(ResilientChatClient).FullName!);
            var timeProvider = services.GetService(typeof(TimeProvider)) as TimeProvider;
            var pipeline = ChatResilience.CreatePipeline(options, providerName, logger, timeProvider);
            return new ResilientChatClient(inner, pipeline, providerName, fallbackClient, options.FallbackProvider, logger);
        });
    }

    /// <summary>Adds a context policy (a tool-pair-safe, pinned-message-safe <see cref="IChatReducer"/>) through M.E.AI's <see cref="ReducingChatClient"/>.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="policy">The policy.</param>
    /// <param name="model">The catalog entry of the model, for token budgets; <see langword="null"/> when unknown.</param>
    /// <returns>The builder.</returns>
    public static ChatClientBuilder UseContextPolicy(this ChatClientBuilder builder, ChatContextPolicy policy, ChatModelInfo? model = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(policy);
        return builder.Use((inner, services) =>
        {
            var logger = (services.GetService(typeof(ILoggerFactory)) as ILoggerFactory)?.CreateLogger(typeof(ChatContextPolicy).FullName!);
            var reducer = policy.CreateReducer(new ChatContextPolicyContext(inner, model, null, logger));
            return reducer is null ? inner : new ReducingChatClient(inner, reducer);
        });
    }
}

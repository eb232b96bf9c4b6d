using System.Collections.Concurrent;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;

// ReducingChatClient (UseChatReducer) is marked experimental in M.E.AI 11; context policies are IChatReducers by design (issue 8).
#pragma warning disable MEAI001

namespace Sessions.Sdk;

/// <summary>Builds each provider/model pipeline once on M.E.AI's <see cref="ChatClientBuilder"/> and caches it; one Polly pipeline (and circuit breaker) per provider.</summary>
/// <remarks>
/// Thread-safe singleton. Order, outermost first: the application's middleware (<c>ConfigureChatClient</c>), the context policy
/// (<see cref="ReducingChatClient"/>), <see cref="FunctionInvokingChatClient"/>, the tool-round recorder, <see cref="LoggingChatClient"/>,
/// resilience (+fallback), <see cref="OpenTelemetryChatClient"/>, the provider's client.
/// </remarks>
internal sealed class ChatPipelineFactory
{
    private readonly Dictionary<string, IChatProvider> _providers = new(StringComparer.OrdinalIgnoreCase);
    private readonly ChatPipelineOptions _options;
    private readonly SessionsOptions _sessionsOptions;
    private readonly ChatClientConfiguration[] _configurations;
    private readonly ILoggerFactory? _loggerFactory;
    private readonly TimeProvider _timeProvider;
    private readonly IServiceProvider? _services;
    private readonly ConcurrentDictionary<(string Provider, string? Model), ChatPipeline> _pipelines = new();
    private readonly ConcurrentDictionary<string, ChatResiliencePipeline> _resilience = new(StringComparer.OrdinalIgnoreCase);

    public ChatPipelineFactory(
        IEnumerable<IChatProvider> providers,
        IOptions<ChatPipelineOptions> options,
        IOptions<SessionsOptions> sessionsOptions,
        ChatModelCatalog catalog,
        IEnumerable<ChatToolRegistration> tools,
        IEnumerable<ChatClientConfiguration> configurations,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null,
        IServiceProvider? services = null)
    {
        ArgumentNullException.ThrowIfNull(providers);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sessionsOptions);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(tools);
        ArgumentNullException.ThrowIfNull(configurations);
        foreach (var provider in providers)
        {
            _providers[provider.Name] = provider;
        }

        _options = options.Value;
        _sessionsOptions = sessionsOptions.Value;
        Catalog = catalog;
        GlobalTools = [.. tools.Select(t => t.Tool)];
        _configurations = [.. configurations];
        _loggerFactory = loggerFactory;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _services = services;
    }

    /// <summary>Creates a factory with default options, no models, no tools and no middleware (for a manager built without DI).</summary>
    public static ChatPipelineFactory CreateDefault(SessionsOptions? sessionsOptions = null, TimeProvider? timeProvider = null) =>
        new([], Microsoft.Extensions.Options.Options.Create(new ChatPipelineOptions()), Microsoft.Extensions.Options.Options.Create(sessionsOptions ?? new SessionsOptions()), new ChatModelCatalog([]), [], [], null, timeProvider);

    /// <summary>Gets the model catalog.</summary>
    public ChatModelCatalog Catalog { get; }

    /// <summary>Gets the tools registered for every session.</summary>
    public IReadOnlyList<AITool> GlobalTools { get; }

    /// <summary>Gets the pipeline options.</summary>
    public ChatPipelineOptions Options => _options;

    /// <summary>Gets (building once) the pipeline for a provider and model.</summary>
    public ChatPipeline GetPipeline(IChatProvider provider, string? modelId)
    {
        ArgumentNullException.ThrowIfNull(provider);
        var key = (provider.Name, modelId);
        if (_pipelines.TryGetValue(key, out var pipeline))
        {
            return pipeline;
        }

        return _pipelines.GetOrAdd(key, _ => Build(provider, modelId));
    }

    private ChatPipeline Build(IChatProvider provider, string? modelId)
    {
        var model = Catalog.Find(provider.Name, modelId ?? provider.DefaultModelId);

        // Below the tool loop: one model call per round, retried, traced and logged on its own.
        var lower = new ChatClientBuilder(provider.GetChatClient(modelId));
        if (_loggerFactory is not null)
        {
            lower.UseLogging(_loggerFactory);
        }

        var resilience = _options.Resilience;
        if (resilience.Enabled)
        {
            var fallback = CreateFallback(provider.Name);
            lower.Use(inner => new ResilientChatClient(inner, GetResiliencePipeline(provider.Name), provider.Name, fallback, resilience.FallbackProvider, Logger<ResilientChatClient>()));
        }

        if (_options.EnableTelemetry)
        {
            lower.UseOpenTelemetry(_loggerFactory, SessionsTelemetry.ActivitySourceName);
        }

        IChatClient belowTools = lower.Build(_services);

        // Above: the application's middleware, the context policy, M.E.AI's tool loop and the recorder that stores each round.
        var upper = new ChatClientBuilder(belowTools);
        foreach (var configuration in _configurations)
        {
            if (configuration.ProviderName is null || string.Equals(configuration.ProviderName, provider.Name, StringComparison.OrdinalIgnoreCase))
            {
                configuration.Configure(upper, _services ?? EmptyServiceProvider.Instance);
            }
        }

        var reducer = _options.ContextPolicy.CreateReducer(
            new ChatContextPolicyContext(belowTools, model, _sessionsOptions.MaxOutputTokens, Logger<ChatContextPolicy>()));
        if (reducer is not null)
        {
            upper.UseChatReducer(reducer);
        }

        var tools = _options.ToolInvocation;
        upper.UseFunctionInvocation(_loggerFactory, c =>
        {
            c.MaximumIterationsPerRequest = _sessionsOptions.MaxToolIterations;
            c.MaximumConsecutiveErrorsPerRequest = tools.MaxConsecutiveErrors;
            c.AllowConcurrentInvocation = tools.AllowConcurrentInvocation;
            c.IncludeDetailedErrors = tools.IncludeDetailedErrors;
        });
        upper.Use(inner => new ToolRoundChatClient(inner));
        return new ChatPipeline(upper.Build(_services), provider.Name, modelId, model);
    }

    private ResilientChatClient? CreateFallback(string providerName)
    {
        var options = _options.Resilience;
        if (options.FallbackProvider is not { } name || string.Equals(name, providerName, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (!_providers.TryGetValue(name, out var fallbackProvider))
        {
            throw new InvalidOperationException(
                $"ChatResilienceOptions.FallbackProvider names '{name}', which is not registered. Registered providers: {string.Join(", ", _providers.Keys.Order(StringComparer.OrdinalIgnoreCase))}.");
        }

        var builder = new ChatClientBuilder(fallbackProvider.GetChatClient(options.FallbackModelId));
        if (_options.EnableTelemetry)
        {
            builder.UseOpenTelemetry(_loggerFactory, SessionsTelemetry.ActivitySourceName);
        }

        return new ResilientChatClient(builder.Build(_services), GetResiliencePipeline(fallbackProvider.Name), fallbackProvider.Name, logger: Logger<ResilientChatClient>());
    }

    private ChatResiliencePipeline GetResiliencePipeline(string providerName) =>
        _resilience.GetOrAdd(providerName, name => ChatResilience.CreatePipeline(_options.Resilience, name, Logger<ResilientChatClient>(), _timeProvider));

    private ILogger? Logger<T>() => _loggerFactory?.CreateLogger(typeof(T).FullName!);

    /// <summary>Resolves nothing; given to middleware hooks when the factory was built without a container.</summary>
    private sealed class EmptyServiceProvider : IServiceProvider
    {
        public static readonly EmptyServiceProvider Instance = new();

        public object? GetService(Type serviceType) => null;
    }
}

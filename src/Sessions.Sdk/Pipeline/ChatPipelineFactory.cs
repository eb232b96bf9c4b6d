using System.Collections.Concurrent;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;

namespace Sessions.Sdk;

/// <summary>Builds each provider/model pipeline once and caches it; one Polly pipeline (and circuit breaker) per provider.</summary>
/// <remarks>Thread-safe singleton. Order, outermost first: context policy, tool loop, logging, resilience (+fallback), telemetry, provider client.</remarks>
internal sealed class ChatPipelineFactory
{
    private readonly Dictionary<string, IChatProvider> _providers = new(StringComparer.OrdinalIgnoreCase);
    private readonly ChatPipelineOptions _options;
    private readonly ILoggerFactory? _loggerFactory;
    private readonly TimeProvider _timeProvider;
    private readonly IServiceProvider? _services;
    private readonly ConcurrentDictionary<(string Provider, string? Model), ChatPipeline> _pipelines = new();
    private readonly ConcurrentDictionary<string, ResiliencePipeline> _resilience = new(StringComparer.OrdinalIgnoreCase);

    public ChatPipelineFactory(
        IEnumerable<IChatProvider> providers,
        IOptions<ChatPipelineOptions> options,
        ChatModelCatalog catalog,
        IEnumerable<ChatToolRegistration> tools,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null,
        IServiceProvider? services = null)
    {
        ArgumentNullException.ThrowIfNull(providers);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(tools);
        foreach (var provider in providers)
        {
            _providers[provider.Name] = provider;
        }

        _options = options.Value;
        Catalog = catalog;
        GlobalTools = [.. tools.Select(t => t.Tool)];
        _loggerFactory = loggerFactory;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _services = services;
    }

    /// <summary>Creates a factory with default options, no models and no global tools (for a manager built without DI).</summary>
    public static ChatPipelineFactory CreateDefault(TimeProvider? timeProvider = null) =>
        new([], Microsoft.Extensions.Options.Options.Create(new ChatPipelineOptions()), new ChatModelCatalog([]), [], null, timeProvider);

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
        IChatClient client = provider.GetChatClient(modelId);
        if (_options.EnableTelemetry)
        {
            client = new TelemetryChatClient(client, provider.Name);
        }

        var resilience = _options.Resilience;
        if (resilience.Enabled)
        {
            var fallback = CreateFallback(provider.Name);
            client = new ResilientChatClient(client, GetResiliencePipeline(provider.Name), provider.Name, fallback, resilience.FallbackProvider, Logger<ResilientChatClient>());
        }

        if (Logger<LoggingChatClient>() is { } logger)
        {
            client = new LoggingChatClient(client, logger, provider.Name);
        }

        var belowTools = client;
        client = new ToolInvokingChatClient(client, _options.ToolInvocation, Logger<ToolInvokingChatClient>(), _services);
        var reducer = _options.ContextPolicy.CreateReducer(new ChatContextPolicyContext(belowTools, model, null, Logger<ReducingChatClient>()));
        if (reducer is not null)
        {
            client = new ReducingChatClient(client, reducer, Logger<ReducingChatClient>());
        }

        return new ChatPipeline(client, provider.Name, modelId, model);
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

        IChatClient client = fallbackProvider.GetChatClient(options.FallbackModelId);
        if (_options.EnableTelemetry)
        {
            client = new TelemetryChatClient(client, fallbackProvider.Name);
        }

        return new ResilientChatClient(client, GetResiliencePipeline(fallbackProvider.Name), fallbackProvider.Name, logger: Logger<ResilientChatClient>());
    }

    private ResiliencePipeline GetResiliencePipeline(string providerName) =>
        _resilience.GetOrAdd(providerName, name => ChatResilience.CreatePipeline(_options.Resilience, name, Logger<ResilientChatClient>(), _timeProvider));

    private ILogger? Logger<T>() => _loggerFactory?.CreateLogger(typeof(T).FullName!);
}

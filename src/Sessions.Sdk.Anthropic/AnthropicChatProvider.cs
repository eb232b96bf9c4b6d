using System.Net;
using Anthropic;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Sessions.Sdk;

/// <summary>Supplies the Anthropic SDK's own <see cref="IChatClient"/> adapter, one per model, over a shared SDK client.</summary>
internal sealed class AnthropicChatProvider : IChatProvider, IDisposable
{
    private readonly AnthropicClient _client;
    private readonly ProviderModelClients _clients;

    public AnthropicChatProvider(string name, AnthropicProviderOptions options, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(loggerFactory);

        Name = name;
        var baseUrl = options.BaseUrl ?? AnthropicProviderOptions.DefaultBaseUrl;
        var apiKey = string.IsNullOrWhiteSpace(options.ApiKey) ? null : options.ApiKey;
        var handler = new AnthropicResponseCaptureHandler(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.All });
        _client = new AnthropicClient
        {
            ApiKey = apiKey,
            BaseUrl = baseUrl.ToString().TrimEnd('/'),
            Timeout = options.Timeout,

            // Sessions.Sdk's resilience pipeline is the one retry layer.
            MaxRetries = 0,

            // The SDK applies Timeout itself; the HttpClient must not cut long streams short.
            HttpClient = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan },
        };

        // A gateway at another address may need no key; Anthropic itself does. Checked at the first call, so a missing key breaks nothing else.
        var missingKey = apiKey is null && baseUrl.Host.Equals(AnthropicProviderOptions.DefaultBaseUrl.Host, StringComparison.OrdinalIgnoreCase)
            ? ProviderClientSettings.MissingKey(name, baseUrl.Host, "ANTHROPIC_API_KEY", "AnthropicProviderOptions.ApiKey", $"AddAnthropicProvider(\"{name}\", o => o.ApiKey = ...)")
            : null;
        var logger = loggerFactory.CreateLogger<AnthropicChatProvider>();

        // The SDK does not time out a stream that stops sending, so each wait for the next event gets the timeout.
        var settings = new ProviderClientSettings(name, baseUrl, apiKey, missingKey, options.Timeout, StreamIdleTimeout: options.Timeout, timeProvider, logger);
        var maxOutputTokens = options.DefaultMaxOutputTokens;
        _clients = new ProviderModelClients(
            new AnthropicErrorTranslator(settings),
            options.DefaultModel,
            "AnthropicProviderOptions.DefaultModel",
            model => _client.AsIChatClient(model, maxOutputTokens),
            model => AnthropicLog.ClientCreated(logger, name, model, baseUrl));
    }

    public string Name { get; }

    public string? DefaultModelId => _clients.DefaultModelId;

    /// <exception cref="ChatProviderException">No model was given and the provider has no default model.</exception>
    public IChatClient GetChatClient(string? modelId = null) => _clients.Get(modelId);

    public void Dispose() => _client.Dispose();
}

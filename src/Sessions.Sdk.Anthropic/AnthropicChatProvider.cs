using System.Collections.Concurrent;
using System.Net;
using Anthropic;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Sessions.Sdk;

/// <summary>Supplies one cached chat client per model over a shared Anthropic SDK client.</summary>
internal sealed class AnthropicChatProvider : IChatProvider, IDisposable
{
    private readonly AnthropicClient _client;
    private readonly AnthropicChatClientSettings _settings;
    private readonly int _defaultMaxOutputTokens;
    private readonly ConcurrentDictionary<string, IChatClient> _clients = new(StringComparer.Ordinal);

    public AnthropicChatProvider(string name, AnthropicProviderOptions options, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(loggerFactory);

        Name = name;
        DefaultModelId = options.DefaultModel;
        _defaultMaxOutputTokens = options.DefaultMaxOutputTokens;
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
        _settings = new AnthropicChatClientSettings(name, baseUrl, apiKey, options.Timeout, timeProvider, loggerFactory.CreateLogger<AnthropicChatClient>());
    }

    public string Name { get; }

    public string? DefaultModelId { get; }

    public IChatClient GetChatClient(string? modelId = null)
    {
        var model = string.IsNullOrWhiteSpace(modelId) ? DefaultModelId : modelId;
        if (string.IsNullOrWhiteSpace(model))
        {
            throw new InvalidOperationException(
                $"Chat provider '{Name}' has no default model: set AnthropicProviderOptions.DefaultModel or give the session a model.");
        }

        return _clients.GetOrAdd(model, static (m, self) =>
        {
            AnthropicLog.ClientCreated(self._settings.Logger, self.Name, m, self._settings.BaseUrl);
            return new AnthropicChatClient(self._client.AsIChatClient(m, self._defaultMaxOutputTokens), m, self._settings);
        }, this);
    }

    public void Dispose() => _client.Dispose();
}

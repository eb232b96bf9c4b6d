using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using OpenAI;

namespace Sessions.Sdk;

/// <summary>Supplies one cached <see cref="OpenAIChatClient"/> per model over a shared OpenAI SDK pipeline.</summary>
internal sealed class OpenAIChatProvider : IChatProvider
{
    /// <summary>The credential sent to servers that need none (Ollama, vLLM, llama.cpp without a key).</summary>
    internal const string PlaceholderApiKey = "no-key";

    private readonly OpenAIClient _client;
    private readonly OpenAIChatClientSettings _settings;
    private readonly ConcurrentDictionary<string, OpenAIChatClient> _clients = new(StringComparer.Ordinal);
    private readonly ILogger _logger;

    public OpenAIChatProvider(string name, OpenAIProviderOptions options, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(loggerFactory);

        Name = name;
        DefaultModelId = options.DefaultModel;
        var endpoint = options.Endpoint ?? OpenAIProviderOptions.DefaultEndpoint;
        var apiKey = string.IsNullOrWhiteSpace(options.ApiKey) ? null : options.ApiKey;
        var clientOptions = new OpenAIClientOptions
        {
            Endpoint = endpoint,
            OrganizationId = options.Organization,
            ProjectId = options.Project,
            NetworkTimeout = options.NetworkTimeout,

            // Sessions.Sdk's resilience pipeline is the one retry layer.
            RetryPolicy = new ClientRetryPolicy(0),
        };
        _client = new OpenAIClient(new ApiKeyCredential(apiKey ?? PlaceholderApiKey), clientOptions);
        _logger = loggerFactory.CreateLogger<OpenAIChatClient>();
        _settings = new OpenAIChatClientSettings(name, endpoint, apiKey, options.NetworkTimeout, timeProvider, _logger);
    }

    public string Name { get; }

    public string? DefaultModelId { get; }

    public IChatClient GetChatClient(string? modelId = null) => GetOpenAIChatClient(modelId);

    internal OpenAIChatClient GetOpenAIChatClient(string? modelId)
    {
        var model = string.IsNullOrWhiteSpace(modelId) ? DefaultModelId : modelId;
        if (string.IsNullOrWhiteSpace(model))
        {
            throw new InvalidOperationException(
                $"Chat provider '{Name}' has no default model: set OpenAIProviderOptions.DefaultModel or give the session a model.");
        }

        return _clients.GetOrAdd(model, static (m, self) =>
        {
            OpenAILog.ClientCreated(self._logger, self.Name, m, self._settings.Endpoint);
            return new OpenAIChatClient(self._client.GetChatClient(m), self._settings, self.GetOpenAIChatClient);
        }, this);
    }
}

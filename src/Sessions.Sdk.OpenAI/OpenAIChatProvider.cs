using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using OpenAI;

namespace Sessions.Sdk;

/// <summary>Supplies the official Microsoft.Extensions.AI.OpenAI adapter, one per model, over a shared OpenAI SDK client.</summary>
internal sealed class OpenAIChatProvider : IChatProvider
{
    /// <summary>The credential sent to servers that need none (Ollama, vLLM, llama.cpp without a key).</summary>
    internal const string PlaceholderApiKey = "no-key";

    private readonly ProviderModelClients _clients;

    public OpenAIChatProvider(string name, OpenAIProviderOptions options, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(loggerFactory);

        Name = name;
        var endpoint = options.Endpoint ?? OpenAIProviderOptions.DefaultEndpoint;
        var apiKey = string.IsNullOrWhiteSpace(options.ApiKey) ? null : options.ApiKey;
        var client = new OpenAIClient(new ApiKeyCredential(apiKey ?? PlaceholderApiKey), new OpenAIClientOptions
        {
            Endpoint = endpoint,
            OrganizationId = options.Organization,
            ProjectId = options.Project,
            NetworkTimeout = options.NetworkTimeout,

            // Sessions.Sdk's resilience pipeline is the one retry layer.
            RetryPolicy = new ClientRetryPolicy(0),
        });

        // Local servers need no key; OpenAI itself does. Checked at the first call, so a missing key breaks nothing else.
        var missingKey = apiKey is null && endpoint.Host.Equals(OpenAIProviderOptions.DefaultEndpoint.Host, StringComparison.OrdinalIgnoreCase)
            ? ProviderClientSettings.MissingKey(name, endpoint.Host, "OPENAI_API_KEY", "OpenAIProviderOptions.ApiKey", $"AddOpenAIProvider(\"{name}\", o => o.ApiKey = ...)")
            : null;
        var logger = loggerFactory.CreateLogger<OpenAIChatProvider>();
        var settings = new ProviderClientSettings(name, endpoint, apiKey, missingKey, options.NetworkTimeout, StreamIdleTimeout: null, timeProvider, logger);
        _clients = new ProviderModelClients(
            new OpenAIErrorTranslator(settings),
            options.DefaultModel,
            "OpenAIProviderOptions.DefaultModel",
            model => client.GetChatClient(model).AsIChatClient(),
            model => OpenAILog.ClientCreated(logger, name, model, endpoint));
    }

    public string Name { get; }

    public string? DefaultModelId => _clients.DefaultModelId;

    /// <exception cref="ChatProviderException">No model was given and the provider has no default model.</exception>
    public IChatClient GetChatClient(string? modelId = null) => _clients.Get(modelId);
}

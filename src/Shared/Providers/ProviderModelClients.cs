using System.Collections.Concurrent;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>Caches one <see cref="ProviderChatClient"/> per model of a provider over the SDK's shared client.</summary>
/// <remarks>Linked source (src/Shared/Providers), compiled into each provider package so none depends on another. Thread-safe.</remarks>
internal sealed class ProviderModelClients
{
    private readonly ConcurrentDictionary<string, ProviderChatClient> _clients = new(StringComparer.Ordinal);
    private readonly ProviderErrorTranslator _translator;
    private readonly Func<string, IChatClient> _createSdkClient;
    private readonly string _defaultModelOption;
    private readonly Action<string>? _created;

    /// <param name="translator">The provider's error translator (it holds the provider's settings).</param>
    /// <param name="defaultModelId">The model used when a caller names none.</param>
    /// <param name="defaultModelOption">The option that sets the default model, named when none is set.</param>
    /// <param name="createSdkClient">Creates the SDK's own <see cref="IChatClient"/> for a model.</param>
    /// <param name="created">Called once per model when its client is created (for logging).</param>
    public ProviderModelClients(ProviderErrorTranslator translator, string? defaultModelId, string defaultModelOption, Func<string, IChatClient> createSdkClient, Action<string>? created = null)
    {
        ArgumentNullException.ThrowIfNull(translator);
        ArgumentNullException.ThrowIfNull(createSdkClient);
        _translator = translator;
        DefaultModelId = string.IsNullOrWhiteSpace(defaultModelId) ? null : defaultModelId;
        _defaultModelOption = defaultModelOption;
        _createSdkClient = createSdkClient;
        _created = created;
    }

    /// <summary>Gets the model used when a caller names none.</summary>
    public string? DefaultModelId { get; }

    /// <summary>Gets the client of a model, or of the default model.</summary>
    /// <exception cref="ChatProviderException">No model was given and the provider has no default model.</exception>
    public ProviderChatClient Get(string? modelId)
    {
        var model = string.IsNullOrWhiteSpace(modelId) ? DefaultModelId : modelId;
        if (model is null)
        {
            throw _translator.Fail(
                $"Chat provider '{_translator.Settings.ProviderName}' has no default model: set {_defaultModelOption} or give the session a model (WithProvider(name, model)).",
                null,
                isTransient: false);
        }

        return _clients.GetOrAdd(model, static (m, self) =>
        {
            self._created?.Invoke(m);
            return new ProviderChatClient(self._createSdkClient(m), m, self._translator, self.Get);
        }, this);
    }
}

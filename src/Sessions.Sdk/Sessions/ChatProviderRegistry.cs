using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace Sessions.Sdk;

/// <summary>Finds the registered <see cref="IChatProvider"/> for a session by name (case-insensitive).</summary>
/// <remarks>Thread-safe singleton. When a name is registered twice, the last registration wins.</remarks>
internal sealed class ChatProviderRegistry
{
    private readonly Dictionary<string, IChatProvider> _providers;
    private readonly SessionsOptions _options;

    public ChatProviderRegistry(IEnumerable<IChatProvider> providers, IOptions<SessionsOptions> options)
    {
        ArgumentNullException.ThrowIfNull(providers);
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _providers = new Dictionary<string, IChatProvider>(StringComparer.OrdinalIgnoreCase);
        foreach (var provider in providers)
        {
            // Registration order is enumeration order, so a later registration of the same name replaces an earlier one.
            _providers[provider.Name] = provider;
        }
    }

    /// <summary>Gets the names of the registered providers, sorted.</summary>
    public IReadOnlyList<string> Names => [.. _providers.Keys.Order(StringComparer.OrdinalIgnoreCase)];

    /// <summary>Resolves a provider by name, or the default one when <paramref name="name"/> is null.</summary>
    /// <exception cref="InvalidOperationException">No such provider, or no default can be chosen.</exception>
    public IChatProvider GetProvider(string? name)
    {
        name ??= _options.DefaultProvider;
        if (name is null)
        {
            if (_providers.Count == 1)
            {
                return _providers.Values.First();
            }

            throw new InvalidOperationException(_providers.Count == 0
                ? "No chat provider is registered. Register one with AddSessions().AddChatProvider(name, chatClient) or a provider package (AddOpenAIProvider, AddAnthropicProvider)."
                : $"Several chat providers are registered ({string.Join(", ", Names)}) and none is the default. Set SessionsOptions.DefaultProvider or choose one per session with WithProvider(name).");
        }

        if (_providers.TryGetValue(name, out var provider))
        {
            return provider;
        }

        throw new InvalidOperationException(_providers.Count == 0
            ? $"No chat provider named '{name}' is registered; no providers are registered at all. Register one with AddSessions().AddChatProvider(\"{name}\", chatClient)."
            : $"No chat provider named '{name}' is registered. Registered providers: {string.Join(", ", Names)}.");
    }

    /// <summary>Resolves the provider, model and client for a session's provider and model.</summary>
    /// <exception cref="InvalidOperationException">No such provider, or no default can be chosen.</exception>
    public (IChatProvider Provider, string? ModelId, IChatClient Client) GetChatClient(string? providerName, string? modelId)
    {
        var provider = GetProvider(providerName);
        string? model = modelId ?? (providerName is null || _options.DefaultProvider is null || string.Equals(providerName, _options.DefaultProvider, StringComparison.OrdinalIgnoreCase)
            ? _options.DefaultModel ?? provider.DefaultModelId
            : provider.DefaultModelId);
        return (provider, model, provider.GetChatClient(model));
    }
}

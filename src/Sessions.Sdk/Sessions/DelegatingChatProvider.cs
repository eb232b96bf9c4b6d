using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>An <see cref="IChatProvider"/> registered under a chosen name whose client or inner provider is created on first use.</summary>
internal sealed class DelegatingChatProvider : IChatProvider
{
    private readonly Lazy<IChatClient>? _client;
    private readonly Lazy<IChatProvider>? _inner;
    private readonly string? _defaultModelId;

    private DelegatingChatProvider(string name, string? defaultModelId, Lazy<IChatClient>? client, Lazy<IChatProvider>? inner)
    {
        Name = name;
        _defaultModelId = defaultModelId;
        _client = client;
        _inner = inner;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public string? DefaultModelId => _defaultModelId ?? _inner?.Value.DefaultModelId;

    public static DelegatingChatProvider ForClient(string name, Func<IChatClient> factory, string? defaultModelId) =>
        new(name, defaultModelId, new Lazy<IChatClient>(() => factory() ?? throw new InvalidOperationException($"The chat client factory of provider '{name}' returned null.")), null);

    public static DelegatingChatProvider ForProvider(string name, Func<IChatProvider> factory, string? defaultModelId) =>
        new(name, defaultModelId, null, new Lazy<IChatProvider>(() => factory() ?? throw new InvalidOperationException($"The chat provider factory of provider '{name}' returned null.")));

    /// <inheritdoc/>
    public IChatClient GetChatClient(string? modelId = null) =>
        _client is not null ? _client.Value : _inner!.Value.GetChatClient(modelId ?? DefaultModelId);
}

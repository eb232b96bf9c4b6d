using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>Holds the registered <see cref="ChatModelInfo"/>s and turns a call's token usage into usage with cost.</summary>
/// <remarks>Registered as a singleton by <c>AddModel</c>; thread-safe and immutable once built.</remarks>
public sealed class ChatModelCatalog
{
    private readonly ChatModelInfo[] _models;

    /// <summary>Initializes a catalog; a later entry for the same provider and model replaces an earlier one.</summary>
    /// <param name="models">The models.</param>
    /// <exception cref="ArgumentNullException"><paramref name="models"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A model has no provider name or id, or a negative window or price.</exception>
    public ChatModelCatalog(IEnumerable<ChatModelInfo> models)
    {
        ArgumentNullException.ThrowIfNull(models);
        var byKey = new Dictionary<(string, string), ChatModelInfo>();
        foreach (var model in models)
        {
            Validate(model);
            byKey[(model.ProviderName.ToUpperInvariant(), model.ModelId.ToUpperInvariant())] = model;
        }

        _models = [.. byKey.Values];
    }

    /// <summary>Gets every model in the catalog.</summary>
    public IReadOnlyList<ChatModelInfo> Models => _models;

    /// <summary>Finds a model: the exact id, else the longest catalog id the given id starts with.</summary>
    /// <param name="providerName">The provider name; <see langword="null"/> matches any provider.</param>
    /// <param name="modelId">The model id as requested or reported.</param>
    /// <returns>The model, or <see langword="null"/> when the catalog has none.</returns>
    public ChatModelInfo? Find(string? providerName, string? modelId)
    {
        if (string.IsNullOrEmpty(modelId))
        {
            return null;
        }

        ChatModelInfo? best = null;
        foreach (var model in _models)
        {
            if (providerName is not null && !string.Equals(model.ProviderName, providerName, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (string.Equals(model.ModelId, modelId, StringComparison.OrdinalIgnoreCase))
            {
                return model;
            }

            if (modelId.StartsWith(model.ModelId, StringComparison.OrdinalIgnoreCase) && (best is null || model.ModelId.Length > best.ModelId.Length))
            {
                best = model;
            }
        }

        return best;
    }

    /// <summary>Converts a call's usage into session usage with the cost from the catalog.</summary>
    /// <param name="usage">The usage the provider reported; <see langword="null"/> counts no tokens.</param>
    /// <param name="providerName">The provider that answered.</param>
    /// <param name="modelId">The model that answered (reported or requested).</param>
    /// <param name="requests">The number of model calls the usage covers.</param>
    /// <returns>
    /// The usage with cost. When the model is not in the catalog or lacks a price its requests are counted in
    /// <see cref="SessionUsage.UnpricedRequests"/> and add no cost: unknown, not free.
    /// </returns>
    public SessionUsage ToSessionUsage(UsageDetails? usage, string? providerName, string? modelId, int requests = 1) =>
        ToSessionUsage(usage?.InputTokenCount, usage?.OutputTokenCount, usage?.TotalTokenCount, providerName, modelId, requests);

    /// <summary>Converts token counts into session usage with the cost from the catalog (see the <see cref="UsageDetails"/> overload).</summary>
    internal SessionUsage ToSessionUsage(long? inputTokens, long? outputTokens, long? totalTokens, string? providerName, string? modelId, int requests = 1)
    {
        long input = inputTokens ?? 0;
        long output = outputTokens ?? 0;
        long total = totalTokens ?? (input + output);
        var model = Find(providerName, modelId);
        bool priced = model is not null && model.HasPrices;
        return new SessionUsage
        {
            InputTokens = input,
            OutputTokens = output,
            TotalTokens = total,
            Cost = priced ? model!.CalculateCost(input, output) : 0m,
            Requests = requests,
            UnpricedRequests = priced ? 0 : requests,
        };
    }

    private static void Validate(ChatModelInfo model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (string.IsNullOrWhiteSpace(model.ProviderName)) throw new ArgumentException("A catalog model needs a ProviderName.", nameof(model));
        if (string.IsNullOrWhiteSpace(model.ModelId)) throw new ArgumentException("A catalog model needs a ModelId.", nameof(model));
        if (model.ContextWindow is <= 0) throw new ArgumentException($"Model '{model.ModelId}': ContextWindow must be positive.", nameof(model));
        if (model.MaxOutputTokens is <= 0) throw new ArgumentException($"Model '{model.ModelId}': MaxOutputTokens must be positive.", nameof(model));
        if (model.InputPricePerMillion < 0 || model.OutputPricePerMillion < 0) throw new ArgumentException($"Model '{model.ModelId}': prices must not be negative.", nameof(model));
    }
}

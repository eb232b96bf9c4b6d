namespace Sessions.Sdk;

/// <summary>Describes a model in the catalog: its context window and prices, used for context budgets and cost.</summary>
public sealed record ChatModelInfo
{
    /// <summary>Gets the registered provider name, such as <c>openai</c> (compared ignoring case).</summary>
    public required string ProviderName { get; init; }

    /// <summary>Gets the model id, such as <c>gpt-4o</c>; a reported id that starts with it also matches (<c>gpt-4o-2024-08-06</c>).</summary>
    public required string ModelId { get; init; }

    /// <summary>Gets the model's context window in tokens, if known.</summary>
    public int? ContextWindow { get; init; }

    /// <summary>Gets the most output tokens the model produces per call, if known; reserved out of the context window.</summary>
    public int? MaxOutputTokens { get; init; }

    /// <summary>Gets the price of one million input tokens, if known.</summary>
    public decimal? InputPricePerMillion { get; init; }

    /// <summary>Gets the price of one million output tokens, if known.</summary>
    public decimal? OutputPricePerMillion { get; init; }

    /// <summary>Gets a value indicating whether both prices are known, so <see cref="CalculateCost"/> gives a call's true cost.</summary>
    /// <remarks>A model registered without prices (for example only for its context window) leaves its calls' cost unknown, not zero.</remarks>
    public bool HasPrices => InputPricePerMillion is not null && OutputPricePerMillion is not null;

    /// <summary>Calculates the cost of a call from its token counts.</summary>
    /// <param name="inputTokens">The input tokens.</param>
    /// <param name="outputTokens">The output tokens.</param>
    /// <returns>The cost; unknown prices count as zero.</returns>
    public decimal CalculateCost(long inputTokens, long outputTokens) =>
        (inputTokens * (InputPricePerMillion ?? 0m) / 1_000_000m) + (outputTokens * (OutputPricePerMillion ?? 0m) / 1_000_000m);
}

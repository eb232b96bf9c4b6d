namespace Sessions.Sdk;

/// <summary>Represents token usage and cost accumulated by a message or a whole session.</summary>
public sealed record SessionUsage
{
    /// <summary>Gets an empty usage.</summary>
    public static SessionUsage Empty { get; } = new();

    /// <summary>Gets the number of input (prompt) tokens.</summary>
    public long InputTokens { get; init; }

    /// <summary>Gets the number of output (completion) tokens.</summary>
    public long OutputTokens { get; init; }

    /// <summary>Gets the total number of tokens as reported by the provider, or input plus output.</summary>
    public long TotalTokens { get; init; }

    /// <summary>Gets the cost of the priced requests in the catalog's currency (usually USD).</summary>
    /// <remarks>
    /// Requests to a model with no known price add nothing here and are counted in <see cref="UnpricedRequests"/> instead: a cost is
    /// complete only when that count is zero. Show such usage as unknown (for example "cost unknown for 3 requests"), never as $0.
    /// </remarks>
    public decimal Cost { get; init; }

    /// <summary>Gets the number of model requests counted.</summary>
    public int Requests { get; init; }

    /// <summary>Gets how many of the <see cref="Requests"/> went to a model whose price is not known, so their cost is unknown (not zero).</summary>
    /// <remarks><see cref="Cost"/> covers the other requests only; when this is greater than zero the true total is unknown.</remarks>
    public int UnpricedRequests { get; init; }

    /// <summary>Returns the sum of two usages.</summary>
    /// <param name="other">The usage to add; <see langword="null"/> adds nothing.</param>
    /// <returns>A new usage holding both totals.</returns>
    public SessionUsage Add(SessionUsage? other) => other is null ? this : new SessionUsage
    {
        InputTokens = InputTokens + other.InputTokens,
        OutputTokens = OutputTokens + other.OutputTokens,
        TotalTokens = TotalTokens + other.TotalTokens,
        Cost = Cost + other.Cost,
        Requests = Requests + other.Requests,
        UnpricedRequests = UnpricedRequests + other.UnpricedRequests,
    };
}

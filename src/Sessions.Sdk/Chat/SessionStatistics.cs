namespace Sessions.Sdk;

/// <summary>Summarizes a session: message counts, sizes, models, tokens, cost and timings.</summary>
public sealed record SessionStatistics
{
    /// <summary>Gets the session's id.</summary>
    public required string SessionId { get; init; }

    /// <summary>Gets the number of stored messages.</summary>
    public long MessageCount { get; init; }

    /// <summary>Gets the number of messages per role (<c>user</c>, <c>assistant</c>, <c>tool</c>, <c>system</c>, ...).</summary>
    public required IReadOnlyDictionary<string, long> MessagesByRole { get; init; }

    /// <summary>Gets the total number of text characters in the messages.</summary>
    public long TotalCharacters { get; init; }

    /// <summary>Gets the average number of text characters per message; 0 when there are none.</summary>
    public double AverageCharactersPerMessage { get; init; }

    /// <summary>Gets the number of function calls the model made.</summary>
    public long ToolCallCount { get; init; }

    /// <summary>Gets the models that produced messages, in order of first use.</summary>
    public required IReadOnlyList<string> ModelsUsed { get; init; }

    /// <summary>Gets the tokens and cost accumulated by the session (including messages later cleared).</summary>
    public required SessionUsage Usage { get; init; }

    /// <summary>Gets the average latency of model replies, or <see langword="null"/> when none was recorded.</summary>
    public TimeSpan? AverageResponseTime { get; init; }

    /// <summary>Gets when the first stored message was added, if any.</summary>
    public DateTimeOffset? FirstMessageAt { get; init; }

    /// <summary>Gets when the last stored message was added, if any.</summary>
    public DateTimeOffset? LastMessageAt { get; init; }

    /// <summary>Gets the time between the first and the last stored message.</summary>
    public TimeSpan Duration { get; init; }
}

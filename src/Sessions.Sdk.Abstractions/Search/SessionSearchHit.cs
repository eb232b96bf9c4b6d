namespace Sessions.Sdk;

/// <summary>Represents one full-text search result: where it matched, a highlighted snippet and its rank.</summary>
public sealed record SessionSearchHit
{
    /// <summary>Gets the id of the session that matched.</summary>
    public required string SessionId { get; init; }

    /// <summary>Gets the title of the session that matched.</summary>
    public required string SessionTitle { get; init; }

    /// <summary>Gets the sequence of the message that matched; <see langword="null"/> when the title matched.</summary>
    public long? Sequence { get; init; }

    /// <summary>Gets the role of the message that matched, if a message matched.</summary>
    public string? Role { get; init; }

    /// <summary>Gets an excerpt around the match with matched terms wrapped in the query's highlight markers.</summary>
    public required string Snippet { get; init; }

    /// <summary>Gets the relevance score; higher is better; comparable only within one result set.</summary>
    public double Score { get; init; }

    /// <summary>Gets when the matched message (or session) was written.</summary>
    public DateTimeOffset Timestamp { get; init; }
}

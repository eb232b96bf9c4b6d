namespace Sessions.Sdk;

/// <summary>Filters, orders and pages a session listing; every filter set must match.</summary>
/// <remarks>Ties are broken by session id, ascending, so paging is stable.</remarks>
public sealed record SessionQuery
{
    /// <summary>Gets a query that lists every session, most recently updated first.</summary>
    public static SessionQuery All { get; } = new();

    /// <summary>Gets text the title must contain (ordinal, ignoring case).</summary>
    public string? TitleContains { get; init; }

    /// <summary>Gets a tag the session must carry (ordinal, ignoring case).</summary>
    public string? Tag { get; init; }

    /// <summary>Gets the kind the session must have.</summary>
    public SessionKind? Kind { get; init; }

    /// <summary>Gets the provider name the session must use (ordinal, ignoring case).</summary>
    public string? ProviderName { get; init; }

    /// <summary>Gets the model the session must use (ordinal, ignoring case).</summary>
    public string? ModelId { get; init; }

    /// <summary>Gets the inclusive lower bound of the creation time.</summary>
    public DateTimeOffset? CreatedAfter { get; init; }

    /// <summary>Gets the exclusive upper bound of the creation time.</summary>
    public DateTimeOffset? CreatedBefore { get; init; }

    /// <summary>Gets the inclusive lower bound of the last update time.</summary>
    public DateTimeOffset? UpdatedAfter { get; init; }

    /// <summary>Gets the exclusive upper bound of the last update time.</summary>
    public DateTimeOffset? UpdatedBefore { get; init; }

    /// <summary>Gets a metadata key the session must have.</summary>
    public string? MetadataKey { get; init; }

    /// <summary>Gets the value <see cref="MetadataKey"/> must have (ordinal); any value when <see langword="null"/>.</summary>
    public string? MetadataValue { get; init; }

    /// <summary>Gets the field to order by.</summary>
    /// <value>The default value is <see cref="SessionSortField.UpdatedAt"/>.</value>
    public SessionSortField OrderBy { get; init; } = SessionSortField.UpdatedAt;

    /// <summary>Gets a value indicating whether to order descending.</summary>
    /// <value>The default value is <see langword="true"/> (newest first).</value>
    public bool Descending { get; init; } = true;

    /// <summary>Gets how many matching sessions to skip.</summary>
    /// <value>The default value is 0; never negative.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int Skip
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value, nameof(Skip));
            field = value;
        }
    }

    /// <summary>Gets how many sessions to return at most; <see langword="null"/> for all.</summary>
    /// <value>The default value is <see langword="null"/>; otherwise 0 or more.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int? Take
    {
        get;
        init
        {
            if (value is { } take)
            {
                ArgumentOutOfRangeException.ThrowIfNegative(take, nameof(Take));
            }

            field = value;
        }
    }

    /// <summary>Returns whether <paramref name="session"/> passes every filter of this query (paging and order aside).</summary>
    /// <param name="session">The session to test.</param>
    /// <returns><see langword="true"/> when it matches.</returns>
    /// <remarks>Stores that filter in memory use this so every store agrees on what matches.</remarks>
    public bool Matches(SessionInfo session)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (TitleContains is { Length: > 0 } t && !session.Title.Contains(t, StringComparison.OrdinalIgnoreCase)) return false;
        if (Tag is { Length: > 0 } tag && !session.Tags.Contains(tag, StringComparer.OrdinalIgnoreCase)) return false;
        if (Kind is { } k && session.Kind != k) return false;
        if (ProviderName is { } p && !string.Equals(p, session.ProviderName, StringComparison.OrdinalIgnoreCase)) return false;
        if (ModelId is { } m && !string.Equals(m, session.ModelId, StringComparison.OrdinalIgnoreCase)) return false;
        if (CreatedAfter is { } ca && session.CreatedAt < ca) return false;
        if (CreatedBefore is { } cb && session.CreatedAt >= cb) return false;
        if (UpdatedAfter is { } ua && session.UpdatedAt < ua) return false;
        if (UpdatedBefore is { } ub && session.UpdatedAt >= ub) return false;
        if (MetadataKey is { } key)
        {
            if (!session.Metadata.TryGetValue(key, out var value)) return false;
            if (MetadataValue is { } expected && !string.Equals(expected, value, StringComparison.Ordinal)) return false;
        }

        return true;
    }

    /// <summary>Orders, skips and takes already-filtered sessions as this query asks.</summary>
    /// <param name="sessions">Sessions that match the filters.</param>
    /// <returns>The page, in order.</returns>
    public IEnumerable<SessionInfo> OrderAndPage(IEnumerable<SessionInfo> sessions)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        IOrderedEnumerable<SessionInfo> ordered = (OrderBy, Descending) switch
        {
            (SessionSortField.CreatedAt, false) => sessions.OrderBy(s => s.CreatedAt),
            (SessionSortField.CreatedAt, true) => sessions.OrderByDescending(s => s.CreatedAt),
            (SessionSortField.Title, false) => sessions.OrderBy(s => s.Title, StringComparer.OrdinalIgnoreCase),
            (SessionSortField.Title, true) => sessions.OrderByDescending(s => s.Title, StringComparer.OrdinalIgnoreCase),
            (SessionSortField.MessageCount, false) => sessions.OrderBy(s => s.MessageCount),
            (SessionSortField.MessageCount, true) => sessions.OrderByDescending(s => s.MessageCount),
            (_, false) => sessions.OrderBy(s => s.UpdatedAt),
            _ => sessions.OrderByDescending(s => s.UpdatedAt),
        };
        IEnumerable<SessionInfo> page = ordered.ThenBy(s => s.Id, StringComparer.Ordinal).Skip(Skip);
        return Take is { } take ? page.Take(take) : page;
    }
}

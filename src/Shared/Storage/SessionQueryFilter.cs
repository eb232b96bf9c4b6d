namespace Sessions.Sdk;

/// <summary>The in-memory query filter: what a <see cref="SessionQuery"/> or <see cref="SessionSearchQuery"/> matches, for stores that filter in memory.</summary>
/// <remarks>
/// One copy, linked into each package that filters sessions in memory (the memory and file stores, their scanning search,
/// and the conformance suite, which uses it as the reference order). The SQL stores express the same rules in SQL; the
/// conformance suite holds every store to them.
/// </remarks>
internal static class SessionQueryFilter
{
    /// <summary>Returns whether <paramref name="session"/> passes every filter of <paramref name="query"/> (paging and order aside).</summary>
    /// <param name="query">The query.</param>
    /// <param name="session">The session to test.</param>
    /// <returns><see langword="true"/> when it matches.</returns>
    public static bool Matches(this SessionQuery query, SessionInfo session)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(session);
        if (query.TitleContains is { Length: > 0 } t && !session.Title.Contains(t, StringComparison.OrdinalIgnoreCase)) return false;
        if (query.Tag is { Length: > 0 } tag && !session.Tags.Contains(tag, StringComparer.OrdinalIgnoreCase)) return false;
        if (query.Kind is { } k && session.Kind != k) return false;
        if (query.ProviderName is { } p && !string.Equals(p, session.ProviderName, StringComparison.OrdinalIgnoreCase)) return false;
        if (query.ModelId is { } m && !string.Equals(m, session.ModelId, StringComparison.OrdinalIgnoreCase)) return false;
        if (query.CreatedAfter is { } ca && session.CreatedAt < ca) return false;
        if (query.CreatedBefore is { } cb && session.CreatedAt >= cb) return false;
        if (query.UpdatedAfter is { } ua && session.UpdatedAt < ua) return false;
        if (query.UpdatedBefore is { } ub && session.UpdatedAt >= ub) return false;
        if (query.MetadataKey is { } key)
        {
            if (!session.Metadata.TryGetValue(key, out var value)) return false;
            if (query.MetadataValue is { } expected && !string.Equals(expected, value, StringComparison.Ordinal)) return false;
        }

        return true;
    }

    /// <summary>Orders, skips and takes already-filtered sessions as <paramref name="query"/> asks; ties are broken by id, ascending.</summary>
    /// <param name="query">The query.</param>
    /// <param name="sessions">Sessions that match the filters.</param>
    /// <returns>The page, in order.</returns>
    public static IEnumerable<SessionInfo> OrderAndPage(this SessionQuery query, IEnumerable<SessionInfo> sessions)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(sessions);
        IOrderedEnumerable<SessionInfo> ordered = (query.OrderBy, query.Descending) switch
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
        IEnumerable<SessionInfo> page = ordered.ThenBy(s => s.Id, StringComparer.Ordinal).Skip(query.Skip);
        return query.Take is { } take ? page.Take(take) : page;
    }

    /// <summary>Returns whether <paramref name="session"/> passes the session filters of a search: every tag of the query (ignoring case).</summary>
    /// <param name="query">The search query.</param>
    /// <param name="session">The session.</param>
    /// <returns><see langword="true"/> when its messages and title are searched.</returns>
    /// <remarks>Kind and provider are passed to the store's listing as a <see cref="SessionQuery"/> and filtered by <see cref="Matches(SessionQuery, SessionInfo)"/>.</remarks>
    public static bool Matches(this SessionSearchQuery query, SessionInfo session)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(session);
        foreach (var tag in query.Tags)
        {
            if (!session.Tags.Contains(tag, StringComparer.OrdinalIgnoreCase)) return false;
        }

        return true;
    }

    /// <summary>Returns whether a time falls in the search's window: from <see cref="SessionSearchQuery.From"/> (inclusive) to <see cref="SessionSearchQuery.To"/> (exclusive).</summary>
    /// <param name="query">The search query.</param>
    /// <param name="time">The time of a message (or of a title: the session's last update).</param>
    /// <returns><see langword="true"/> when it is in the window.</returns>
    public static bool InWindow(this SessionSearchQuery query, DateTimeOffset time) =>
        (query.From is not { } from || time >= from) && (query.To is not { } to || time < to);
}

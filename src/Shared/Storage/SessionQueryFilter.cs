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
    /// <remarks>
    /// One in-place sort with a comparison, not LINQ's ordering over a value-type key (which a cold process compiles first);
    /// ids are unique in a store, so the order is total and the same as a stable sort's.
    /// </remarks>
    public static IEnumerable<SessionInfo> OrderAndPage(this SessionQuery query, IEnumerable<SessionInfo> sessions)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(sessions);
        var ordered = new List<SessionInfo>(sessions);
        ordered.Sort(Comparison(query.OrderBy, query.Descending));
        int skip = Math.Min(query.Skip, ordered.Count);
        int take = query.Take is { } t ? Math.Min(t, ordered.Count - skip) : ordered.Count - skip;
        return skip == 0 && take == ordered.Count ? ordered : ordered.GetRange(skip, take);
    }

    private static Comparison<SessionInfo> Comparison(SessionSortField field, bool descending) => (field, descending) switch
    {
        (SessionSortField.CreatedAt, false) => static (a, b) => ById(a.CreatedAt.CompareTo(b.CreatedAt), a, b),
        (SessionSortField.CreatedAt, true) => static (a, b) => ById(b.CreatedAt.CompareTo(a.CreatedAt), a, b),
        (SessionSortField.Title, false) => static (a, b) => ById(StringComparer.OrdinalIgnoreCase.Compare(a.Title, b.Title), a, b),
        (SessionSortField.Title, true) => static (a, b) => ById(StringComparer.OrdinalIgnoreCase.Compare(b.Title, a.Title), a, b),
        (SessionSortField.MessageCount, false) => static (a, b) => ById(a.MessageCount.CompareTo(b.MessageCount), a, b),
        (SessionSortField.MessageCount, true) => static (a, b) => ById(b.MessageCount.CompareTo(a.MessageCount), a, b),
        (_, false) => static (a, b) => ById(a.UpdatedAt.CompareTo(b.UpdatedAt), a, b),
        _ => static (a, b) => ById(b.UpdatedAt.CompareTo(a.UpdatedAt), a, b),
    };

    /// <summary>Breaks a tie by id, ascending (ordinal).</summary>
    private static int ById(int byField, SessionInfo a, SessionInfo b) => byField != 0 ? byField : string.CompareOrdinal(a.Id, b.Id);

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

namespace Sessions.Sdk;

/// <summary>Statistics across sessions.</summary>
public static class SessionStatisticsExtensions
{
    /// <summary>Computes statistics over the sessions matching a query, without reading any messages.</summary>
    /// <param name="manager">The session manager.</param>
    /// <param name="query">The filters (order and paging ignored); <see langword="null"/> for every session. Trashed sessions are not counted.</param>
    /// <param name="mostActive">How many of the sessions with the most messages to return.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>Totals, figures per provider and model, activity per day and the most active sessions.</returns>
    /// <remarks>Stores implementing <see cref="ISessionStatisticsSource"/> compute them themselves (SQLite and PostgreSQL in SQL, the file store from its listing catalog without opening journals); for others the listing is folded. Requests to models with no known price are counted in <see cref="SessionUsage.UnpricedRequests"/>, never as $0.</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="mostActive"/> is negative.</exception>
    public static async Task<SessionsStatistics> GetStatisticsAsync(this ISessionManager manager, SessionQuery? query = null, int mostActive = 10, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manager);
        ArgumentOutOfRangeException.ThrowIfNegative(mostActive);
        var filters = (query ?? SessionQuery.All) with { Skip = 0, Take = null };
        if (manager.Storage.GetCapability<ISessionStatisticsSource>() is { } source)
        {
            return await source.GetStatisticsAsync(filters, mostActive, cancellationToken).ConfigureAwait(false);
        }

        var sessions = new List<SessionInfo>();
        await foreach (var info in manager.ListAsync(filters, cancellationToken).ConfigureAwait(false))
        {
            sessions.Add(info);
        }

        return SessionsStatisticsCalculator.Fold(sessions, mostActive);
    }
}

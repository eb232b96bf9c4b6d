namespace Sessions.Sdk;

/// <summary>Optional storage capability: computes <see cref="SessionsStatistics"/> inside the store (for example in SQL).</summary>
/// <remarks>
/// Stores without it get the same figures from the session manager, which folds a listing of <see cref="SessionInfo"/>.
/// Implementations must agree with that fold: the sessions counted are those <see cref="ISessionStorage.ListAsync"/> returns for
/// the query's filters (paging and order ignored), trashed sessions excluded.
/// </remarks>
public interface ISessionStatisticsSource
{
    /// <summary>Computes statistics over the sessions matching a query's filters.</summary>
    /// <param name="query">The filters; its order and paging are ignored.</param>
    /// <param name="mostActive">How many of the most active sessions to return.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The statistics.</returns>
    ValueTask<SessionsStatistics> GetStatisticsAsync(SessionQuery query, int mostActive, CancellationToken cancellationToken = default);
}

namespace Sessions.Sdk;

/// <summary>Statistics across sessions from the listing catalog: no journal is opened or read.</summary>
/// <remarks>
/// The sessions are those a listing returns, taken the way a listing takes them (the catalog, each journal's length and time
/// checked; only a session appended to since the catalog was written is read again), then folded without ordering or paging.
/// </remarks>
internal sealed partial class FileSessionStorage : ISessionStatisticsSource
{
    /// <inheritdoc/>
    public ValueTask<SessionsStatistics> GetStatisticsAsync(SessionQuery query, int mostActive, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegative(mostActive);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(SessionsStatisticsCalculator.Fold(ListMatching(query, cancellationToken), mostActive));
    }
}

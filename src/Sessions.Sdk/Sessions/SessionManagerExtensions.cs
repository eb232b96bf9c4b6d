namespace Sessions.Sdk;

/// <summary>Provides conveniences over <see cref="ISessionManager"/>.</summary>
public static class SessionManagerExtensions
{
    /// <summary>Opens the most recently updated session, optionally of one kind.</summary>
    /// <param name="manager">The session manager.</param>
    /// <param name="kind">The kind the session must have; <see langword="null"/> for any.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The session, or <see langword="null"/> when there is none (no exception is thrown for an empty store).</returns>
    public static async Task<Session?> ResumeLastAsync(this ISessionManager manager, SessionKind? kind = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manager);
        var query = new SessionQuery { Kind = kind, OrderBy = SessionSortField.UpdatedAt, Descending = true, Take = 1 };
        await foreach (var info in manager.ListAsync(query, cancellationToken).ConfigureAwait(false))
        {
            return await manager.TryOpenAsync(info.Id, cancellationToken).ConfigureAwait(false);
        }

        return null;
    }

    /// <summary>Opens a session, or returns <see langword="null"/> when it does not exist.</summary>
    /// <param name="manager">The session manager.</param>
    /// <param name="sessionId">The session id.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The session, or <see langword="null"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="sessionId"/> is not a valid session id.</exception>
    public static async Task<Session?> TryOpenAsync(this ISessionManager manager, string sessionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manager);
        try
        {
            return await manager.OpenAsync(sessionId, cancellationToken).ConfigureAwait(false);
        }
        catch (SessionNotFoundException)
        {
            return null;
        }
    }
}

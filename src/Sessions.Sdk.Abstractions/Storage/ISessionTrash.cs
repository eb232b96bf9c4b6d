namespace Sessions.Sdk;

/// <summary>Optional storage capability: deleted sessions go to a trash they can be restored from until purged.</summary>
/// <remarks>Discover it with <c>storage as ISessionTrash</c>; stores without it delete permanently.</remarks>
public interface ISessionTrash
{
    /// <summary>Lists sessions in the trash.</summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The trashed sessions.</returns>
    IAsyncEnumerable<SessionInfo> ListTrashAsync(CancellationToken cancellationToken = default);

    /// <summary>Restores a trashed session.</summary>
    /// <param name="sessionId">The session id.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns><see langword="true"/> when restored; <see langword="false"/> when it was not in the trash.</returns>
    /// <exception cref="SessionAlreadyExistsException">A live session with the same id exists.</exception>
    ValueTask<bool> RestoreAsync(string sessionId, CancellationToken cancellationToken = default);

    /// <summary>Permanently removes a trashed session.</summary>
    /// <param name="sessionId">The session id.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns><see langword="true"/> when purged; <see langword="false"/> when it was not in the trash.</returns>
    ValueTask<bool> PurgeAsync(string sessionId, CancellationToken cancellationToken = default);
}

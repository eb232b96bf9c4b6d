namespace Sessions.Sdk;

/// <summary>Optional storage capability: sessions can be moved to a trash, restored from it, and purged from it.</summary>
/// <remarks>
/// Discover it with <c>storage as ISessionTrash</c>. Moving a session to the trash and restoring it are atomic and cost the same
/// whatever the session's length (a rename or a flag, never a copy). A trashed session is not listed, opened, appended to or
/// searched; its id stays taken (creating a session with it throws <see cref="SessionAlreadyExistsException"/>) until it is purged
/// or restored. <see cref="ISessionStorage.DeleteAsync"/> still deletes a live session permanently; it does not touch the trash.
/// The session manager's <c>DeleteAsync(id)</c> moves to the trash; on a store without this capability it throws
/// <see cref="NotSupportedException"/> rather than delete permanently. The trash conformance suite in Sessions.Sdk.Testing checks every rule stated here.
/// </remarks>
public interface ISessionTrash
{
    /// <summary>Moves a live session to the trash.</summary>
    /// <param name="sessionId">The session id.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns><see langword="true"/> when it was moved; <see langword="false"/> when no live session has that id.</returns>
    /// <exception cref="ArgumentException"><paramref name="sessionId"/> is not valid.</exception>
    ValueTask<bool> TrashAsync(string sessionId, CancellationToken cancellationToken = default);

    /// <summary>Lists sessions in the trash, most recently trashed first, without reading their messages.</summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The trashed sessions with the time each was trashed.</returns>
    IAsyncEnumerable<TrashedSession> ListTrashAsync(CancellationToken cancellationToken = default);

    /// <summary>Restores a trashed session, unchanged (messages, metadata, version).</summary>
    /// <param name="sessionId">The session id.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns><see langword="true"/> when restored; <see langword="false"/> when it was not in the trash.</returns>
    /// <exception cref="SessionAlreadyExistsException">A live session with the same id exists.</exception>
    /// <exception cref="ArgumentException"><paramref name="sessionId"/> is not valid.</exception>
    ValueTask<bool> RestoreAsync(string sessionId, CancellationToken cancellationToken = default);

    /// <summary>Permanently removes a trashed session.</summary>
    /// <param name="sessionId">The session id.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns><see langword="true"/> when purged; <see langword="false"/> when it was not in the trash.</returns>
    /// <exception cref="ArgumentException"><paramref name="sessionId"/> is not valid.</exception>
    ValueTask<bool> PurgeAsync(string sessionId, CancellationToken cancellationToken = default);
}

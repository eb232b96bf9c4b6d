namespace Sessions.Sdk;

/// <summary>Creates and opens edit sessions: sessions of kind <c>edit</c> that change files of one workspace folder in transactional, sandboxed batches.</summary>
/// <remarks>Registered as a thread-safe singleton by <c>AddEditing()</c>.</remarks>
public interface IEditSessionManager
{
    /// <summary>Creates an edit session over a workspace folder.</summary>
    /// <param name="workspaceRoot">The folder every path of the session is relative to; it must exist.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The new edit session.</returns>
    /// <exception cref="ArgumentException"><paramref name="workspaceRoot"/> is empty or is not an existing folder.</exception>
    Task<EditSession> CreateAsync(string workspaceRoot, CancellationToken cancellationToken = default);

    /// <summary>Opens an edit session, finishing or undoing a batch or rewind that a crash interrupted.</summary>
    /// <param name="sessionId">The session id.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The edit session, with its batches and pending proposals.</returns>
    /// <exception cref="SessionNotFoundException">No session has that id.</exception>
    /// <exception cref="ArgumentException">The session is not an edit session, or its id is invalid.</exception>
    Task<EditSession> OpenAsync(string sessionId, CancellationToken cancellationToken = default);
}

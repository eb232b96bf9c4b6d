namespace Sessions.Sdk;

/// <summary>Stores sessions and their messages; the one contract a storage adapter implements.</summary>
/// <remarks>
/// Implementations are thread-safe and registered as singletons. Appends from concurrent writers (threads or
/// processes) are merged, never lost; metadata updates and message replacement use optimistic concurrency on
/// <see cref="SessionInfo.Version"/>. Ids are validated with <see cref="SessionIds.Validate"/>. Driver failures
/// surface as <see cref="SessionStorageException"/>; <see cref="OperationCanceledException"/> passes through.
/// The conformance fixture in Sessions.Sdk.Testing checks every rule stated here.
/// </remarks>
public interface ISessionStorage
{
    /// <summary>Creates a session, optionally with initial messages, atomically.</summary>
    /// <param name="session">The session to create; storage-maintained fields (count, usage, size, version) are recomputed.</param>
    /// <param name="messages">The initial messages, in order; sequences are assigned from 1.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The session as stored, with <see cref="SessionInfo.Version"/> 1.</returns>
    /// <exception cref="SessionAlreadyExistsException">A session with the same id exists.</exception>
    /// <exception cref="ArgumentException">The session id is not valid.</exception>
    ValueTask<SessionInfo> CreateAsync(SessionInfo session, IReadOnlyList<SessionMessage> messages, CancellationToken cancellationToken = default);

    /// <summary>Gets a session's information without reading its messages.</summary>
    /// <param name="sessionId">The session id.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The information, or <see langword="null"/> when no such session exists.</returns>
    /// <exception cref="ArgumentException"><paramref name="sessionId"/> is not valid.</exception>
    ValueTask<SessionInfo?> GetAsync(string sessionId, CancellationToken cancellationToken = default);

    /// <summary>Appends messages at the end of a session in O(1) with respect to its length.</summary>
    /// <param name="sessionId">The session id.</param>
    /// <param name="messages">The messages to append, in order; they stay contiguous even under concurrent appends.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The appended messages with their assigned sequences.</returns>
    /// <remarks>Adds each message's <see cref="SessionMessage.Usage"/> to the session's usage and updates its timestamp.</remarks>
    /// <exception cref="SessionNotFoundException">The session does not exist.</exception>
    ValueTask<IReadOnlyList<SessionMessage>> AppendMessagesAsync(string sessionId, IReadOnlyList<SessionMessage> messages, CancellationToken cancellationToken = default);

    /// <summary>Reads a range of a session's messages without reading the rest of the session.</summary>
    /// <param name="sessionId">The session id.</param>
    /// <param name="range">The range to read.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The messages in sequence order.</returns>
    /// <exception cref="SessionNotFoundException">The session does not exist.</exception>
    ValueTask<IReadOnlyList<SessionMessage>> GetMessagesAsync(string sessionId, MessageRange range, CancellationToken cancellationToken = default);

    /// <summary>Updates a session's metadata (title, kind, tags, metadata, system prompt, provider, model).</summary>
    /// <param name="session">The new metadata; its <see cref="SessionInfo.Version"/> is the version it was based on.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The session as stored, with the version incremented.</returns>
    /// <remarks>Storage-maintained fields in <paramref name="session"/> are ignored.</remarks>
    /// <exception cref="SessionNotFoundException">The session does not exist.</exception>
    /// <exception cref="SessionConcurrencyException">The stored version differs from <paramref name="session"/>'s.</exception>
    ValueTask<SessionInfo> UpdateAsync(SessionInfo session, CancellationToken cancellationToken = default);

    /// <summary>Replaces all of a session's messages (clear, truncate, rewrite) atomically.</summary>
    /// <param name="sessionId">The session id.</param>
    /// <param name="messages">The new messages, in order; sequences are reassigned from 1.</param>
    /// <param name="expectedVersion">The version the replacement was based on.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The session as stored, with the version incremented; accumulated usage is kept.</returns>
    /// <exception cref="SessionNotFoundException">The session does not exist.</exception>
    /// <exception cref="SessionConcurrencyException">The stored version differs from <paramref name="expectedVersion"/>.</exception>
    ValueTask<SessionInfo> ReplaceMessagesAsync(string sessionId, IReadOnlyList<SessionMessage> messages, long expectedVersion, CancellationToken cancellationToken = default);

    /// <summary>Deletes a session and its messages.</summary>
    /// <param name="sessionId">The session id.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns><see langword="true"/> when a session was deleted; <see langword="false"/> when none existed.</returns>
    ValueTask<bool> DeleteAsync(string sessionId, CancellationToken cancellationToken = default);

    /// <summary>Returns whether a session exists.</summary>
    /// <param name="sessionId">The session id.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns><see langword="true"/> when it exists.</returns>
    ValueTask<bool> ExistsAsync(string sessionId, CancellationToken cancellationToken = default);

    /// <summary>Lists sessions matching a query, without reading their messages.</summary>
    /// <param name="query">Filters, order and paging.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The matching sessions in the requested order.</returns>
    IAsyncEnumerable<SessionInfo> ListAsync(SessionQuery query, CancellationToken cancellationToken = default);
}

namespace Sessions.Sdk;

/// <summary>Creates, opens, lists, searches and deletes sessions over the registered <see cref="ISessionStorage"/>.</summary>
/// <remarks>
/// Registered as a thread-safe singleton by <c>AddSessions()</c>. Every id is checked with <see cref="SessionIds.Validate"/>
/// before storage is touched. Conveniences such as <c>ResumeLastAsync</c> and <c>TryOpenAsync</c> are extension methods
/// in <see cref="SessionManagerExtensions"/>.
/// </remarks>
public interface ISessionManager
{
    /// <summary>Gets the storage the sessions live in.</summary>
    ISessionStorage Storage { get; }

    /// <summary>Gets the storage's recovery capability (list and salvage damaged sessions), or <see langword="null"/> when the storage has none.</summary>
    /// <remarks>The file and SQLite stores have one; see <see cref="ISessionRecovery"/>.</remarks>
    ISessionRecovery? Recovery => Storage.GetCapability<ISessionRecovery>();

    /// <summary>Starts describing a new session; nothing is stored until <see cref="SessionBuilder.CreateAsync"/>.</summary>
    /// <param name="sessionId">The new session's id; <see langword="null"/> for a generated, time-sortable id (<see cref="SessionIds.Create"/>).</param>
    /// <returns>A fluent builder for the session.</returns>
    /// <exception cref="ArgumentException"><paramref name="sessionId"/> is not a valid session id.</exception>
    SessionBuilder Create(string? sessionId = null);

    /// <summary>Opens an existing session, reading its information but none of its messages.</summary>
    /// <param name="sessionId">The session id.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The session.</returns>
    /// <exception cref="ArgumentException"><paramref name="sessionId"/> is not a valid session id.</exception>
    /// <exception cref="SessionNotFoundException">No session has that id.</exception>
    Task<Session> OpenAsync(string sessionId, CancellationToken cancellationToken = default);

    /// <summary>Gets a session's information without opening it or reading its messages.</summary>
    /// <param name="sessionId">The session id.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The information, or <see langword="null"/> when no session has that id.</returns>
    /// <exception cref="ArgumentException"><paramref name="sessionId"/> is not a valid session id.</exception>
    Task<SessionInfo?> GetInfoAsync(string sessionId, CancellationToken cancellationToken = default);

    /// <summary>Returns whether a session exists.</summary>
    /// <param name="sessionId">The session id.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns><see langword="true"/> when it exists.</returns>
    /// <exception cref="ArgumentException"><paramref name="sessionId"/> is not a valid session id.</exception>
    Task<bool> ExistsAsync(string sessionId, CancellationToken cancellationToken = default);

    /// <summary>Lists sessions without reading their messages.</summary>
    /// <param name="query">Filters, order and paging; <see langword="null"/> for every session, most recently updated first.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The matching sessions in the requested order.</returns>
    IAsyncEnumerable<SessionInfo> ListAsync(SessionQuery? query = null, CancellationToken cancellationToken = default);

    /// <summary>Searches message text and session titles, best match first.</summary>
    /// <param name="query">The text, filters and paging.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The ranked hits with highlighted snippets.</returns>
    /// <remarks>Uses the storage's own search when it implements <see cref="ISessionSearch"/>, otherwise scans sessions.</remarks>
    /// <exception cref="ArgumentException">The query text is empty.</exception>
    IAsyncEnumerable<SessionSearchHit> SearchAsync(SessionSearchQuery query, CancellationToken cancellationToken = default);

    /// <summary>Moves a session to the trash, from which it can be restored until it is purged.</summary>
    /// <param name="sessionId">The session id.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns><see langword="true"/> when a session was trashed; <see langword="false"/> when no live session had that id.</returns>
    /// <remarks>To delete permanently use <c>DeleteAsync(id, permanent: true)</c> (<see cref="SessionTrashExtensions"/>).</remarks>
    /// <exception cref="ArgumentException"><paramref name="sessionId"/> is not a valid session id.</exception>
    /// <exception cref="NotSupportedException">The store has no trash (<see cref="ISessionTrash"/>); nothing was deleted.</exception>
    Task<bool> DeleteAsync(string sessionId, CancellationToken cancellationToken = default);
}

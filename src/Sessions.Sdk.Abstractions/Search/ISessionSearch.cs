namespace Sessions.Sdk;

/// <summary>Optional storage capability: full-text search over message text and session titles.</summary>
/// <remarks>Discover it with <c>storage as ISessionSearch</c>; every store shipped with Sessions.Sdk implements it.</remarks>
public interface ISessionSearch
{
    /// <summary>Searches messages and titles, best match first.</summary>
    /// <param name="query">The text, filters and paging.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The ranked hits.</returns>
    /// <exception cref="ArgumentException">The query text is empty or not valid for the engine.</exception>
    IAsyncEnumerable<SessionSearchHit> SearchAsync(SessionSearchQuery query, CancellationToken cancellationToken = default);
}

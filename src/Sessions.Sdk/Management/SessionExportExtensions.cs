namespace Sessions.Sdk;

/// <summary>Exports sessions from an <see cref="ISessionManager"/> as the session format (Json) or readable transcripts.</summary>
public static class SessionExportExtensions
{
    /// <summary>Exports one session to a stream, reading its messages a page at a time (memory does not grow with the session).</summary>
    /// <param name="sessions">The session manager.</param>
    /// <param name="sessionId">The session id.</param>
    /// <param name="stream">The stream to write to; left open.</param>
    /// <param name="options">The format and redaction; <see langword="null"/> for a lossless Json session document.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the export is written and flushed.</returns>
    /// <exception cref="ArgumentException"><paramref name="sessionId"/> is not a valid session id, or <paramref name="stream"/> is not writable.</exception>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="SessionNotFoundException">No session has that id.</exception>
    public static async Task ExportAsync(this ISessionManager sessions, string sessionId, Stream stream, SessionExportOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        SessionIds.Validate(sessionId, nameof(sessionId));
        CheckStream(stream);
        var info = await sessions.Storage.GetAsync(sessionId, cancellationToken).ConfigureAwait(false) ?? throw new SessionNotFoundException(sessionId);
        options ??= new SessionExportOptions();
        await SessionExporter.ExportAsync(sessions.Storage, [info], options.AlwaysBundle, stream, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Exports every session matching a query to one stream: a bundle for Json, concatenated transcripts for the other formats.</summary>
    /// <param name="sessions">The session manager.</param>
    /// <param name="query">The sessions to export (filters, order, paging); <see cref="SessionQuery.All"/> for all.</param>
    /// <param name="stream">The stream to write to; left open.</param>
    /// <param name="options">The format and redaction; <see langword="null"/> for a lossless Json bundle.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The number of sessions exported.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not writable.</exception>
    /// <remarks>A session deleted between the listing and its turn is left out.</remarks>
    public static async Task<int> ExportAsync(this ISessionManager sessions, SessionQuery query, Stream stream, SessionExportOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(query);
        CheckStream(stream);
        var infos = new List<SessionInfo>();
        await foreach (var info in sessions.ListAsync(query, cancellationToken).ConfigureAwait(false))
        {
            infos.Add(info);
        }

        return await SessionExporter.ExportAsync(sessions.Storage, infos, bundle: true, stream, options ?? new SessionExportOptions(), cancellationToken).ConfigureAwait(false);
    }

    private static void CheckStream(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite) throw new ArgumentException("The stream must be writable.", nameof(stream));
    }
}

namespace Sessions.Sdk;

/// <summary>Imports sessions into an <see cref="ISessionManager"/> from the session format or the seed tools' export formats.</summary>
/// <remarks>
/// The format is detected from the document: the Sessions.Sdk session format (session document or bundle, every shipped
/// schema version), paracle session JSON, ChannelCoder session state, AINative Code export (single and <c>--all</c>), Coda
/// <c>export_session</c>, or a bare OpenAI-style message list. An import is all or nothing: a bad document raises
/// <see cref="SessionFormatException"/> naming the bad field (such as <c>messages[3].role</c>) and stores nothing, and if
/// storing one session fails the sessions already created by the import are removed again. A document is read into memory
/// before anything is stored; a session's usage becomes the sum of its messages' usage and its update time the import time.
/// </remarks>
public static class SessionImportExtensions
{
    /// <summary>Imports every session of one document.</summary>
    /// <param name="sessions">The session manager.</param>
    /// <param name="stream">The document; read to its end, left open.</param>
    /// <param name="options">New ids, title, conflict handling and provenance; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The sessions created and the ids skipped.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not readable.</exception>
    /// <exception cref="SessionFormatException">The document is malformed, of an unknown format or of a newer schema version, or holds one session id twice; nothing was stored.</exception>
    /// <exception cref="SessionAlreadyExistsException">A session exists with an imported id and <see cref="SessionImportOptions.Conflict"/> is <see cref="SessionImportConflict.Fail"/>; nothing was stored.</exception>
    public static async Task<SessionImportResult> ImportAsync(this ISessionManager sessions, Stream stream, SessionImportOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead) throw new ArgumentException("The stream must be readable.", nameof(stream));
        var time = TimeOf(sessions);
        var candidates = await ImportParser.ParseAsync(stream, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        return await SessionImporter.StoreAsync(sessions.Storage, candidates, options ?? new SessionImportOptions(), time, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Imports every session of every <c>*.json</c> file in a directory (not its subdirectories), all or nothing.</summary>
    /// <param name="sessions">The session manager.</param>
    /// <param name="directory">The directory.</param>
    /// <param name="options">New ids, title, conflict handling and provenance; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The sessions created and the ids skipped, in file-name order.</returns>
    /// <exception cref="ArgumentException"><paramref name="directory"/> is null or empty.</exception>
    /// <exception cref="DirectoryNotFoundException"><paramref name="directory"/> does not exist.</exception>
    /// <exception cref="SessionFormatException">A file is malformed (the message names the file and the field) or two files hold one session id; nothing was stored.</exception>
    /// <exception cref="SessionAlreadyExistsException">A session exists with an imported id and <see cref="SessionImportOptions.Conflict"/> is <see cref="SessionImportConflict.Fail"/>; nothing was stored.</exception>
    public static async Task<SessionImportResult> ImportDirectoryAsync(this ISessionManager sessions, string directory, SessionImportOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"The import directory '{directory}' does not exist.");
        var time = TimeOf(sessions);
        var now = time.GetUtcNow();
        var candidates = new List<ImportCandidate>();
        foreach (var file in Directory.EnumerateFiles(directory, "*.json", SearchOption.TopDirectoryOnly).Order(StringComparer.Ordinal))
        {
            var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, useAsync: true);
            await using (stream.ConfigureAwait(false))
            {
                try
                {
                    foreach (var candidate in await ImportParser.ParseAsync(stream, now, cancellationToken).ConfigureAwait(false))
                    {
                        candidates.Add(candidate with { Path = Path.GetFileName(file) + ": " + candidate.Path });
                    }
                }
                catch (SessionFormatException ex)
                {
                    throw new SessionFormatException($"{Path.GetFileName(file)}: {ex.Message}", ex.SessionId, ex);
                }
            }
        }

        return await SessionImporter.StoreAsync(sessions.Storage, candidates, options ?? new SessionImportOptions(), time, cancellationToken).ConfigureAwait(false);
    }

    private static TimeProvider TimeOf(ISessionManager sessions) => (sessions as SessionManager)?.TimeProvider ?? TimeProvider.System;
}

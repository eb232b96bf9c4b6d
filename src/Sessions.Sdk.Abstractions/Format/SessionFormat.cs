namespace Sessions.Sdk;

/// <summary>Reads and writes the versioned whole-session format (one session, or a bundle of many) used by export, import, templates and backups.</summary>
/// <remarks>
/// A session document is one JSON object: <c>{"format":"sessions.sdk/session","schemaVersion":1,"session":{…},"messages":[…]}</c>;
/// a bundle is <c>{"format":"sessions.sdk/bundle","schemaVersion":1,"sessions":[{"session":{…},"messages":[…]},…]}</c>.
/// Messages are the shared <see cref="SessionJson"/> records. <c>format</c> and <c>schemaVersion</c> come first and
/// <c>session</c> before <c>messages</c>, so both directions stream. Readers accept every schema version that shipped
/// (1) and reject newer ones with <see cref="SessionFormatException"/>. The helpers here hold whole sessions in memory;
/// use <see cref="SessionFormatReader"/> and <see cref="SessionFormatWriter"/> for long sessions.
/// </remarks>
public static class SessionFormat
{
    /// <summary>The schema version this library writes.</summary>
    public const int CurrentSchemaVersion = 1;

    /// <summary>The <c>format</c> value of a single-session document.</summary>
    public const string SessionFormatName = "sessions.sdk/session";

    /// <summary>The <c>format</c> value of a bundle of sessions.</summary>
    public const string BundleFormatName = "sessions.sdk/bundle";

    /// <summary>The deepest JSON nesting a reader accepts.</summary>
    internal const int MaxDepth = 64;

    /// <summary>Reads every session of a session document or bundle into memory.</summary>
    /// <param name="stream">The stream holding the document; left open.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The sessions, in document order (one for a single-session document).</returns>
    /// <exception cref="SessionFormatException">The document is malformed or of a newer schema version; the message names the bad field.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is null.</exception>
    public static async Task<IReadOnlyList<SessionDocument>> ReadAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var reader = await SessionFormatReader.OpenAsync(stream, leaveOpen: true, cancellationToken).ConfigureAwait(false);
        await using var disposeReader = reader.ConfigureAwait(false);
        var documents = new List<SessionDocument>();
        while (await reader.ReadSessionAsync(cancellationToken).ConfigureAwait(false) is { } info)
        {
            var messages = new List<SessionMessage>();
            await foreach (var message in reader.ReadMessagesAsync(cancellationToken).ConfigureAwait(false))
            {
                messages.Add(message);
            }

            documents.Add(new SessionDocument { Session = info, Messages = messages });
        }

        return documents;
    }

    /// <summary>Writes one session as a session document.</summary>
    /// <param name="stream">The stream to write to; left open.</param>
    /// <param name="document">The session.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the document is written and flushed.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static async Task WriteAsync(Stream stream, SessionDocument document, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(document);
        var writer = new SessionFormatWriter(stream, bundle: false, leaveOpen: true);
        await using var disposeWriter = writer.ConfigureAwait(false);
        await writer.WriteSessionAsync(document.Session, document.Messages, cancellationToken).ConfigureAwait(false);
        await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes sessions as a bundle.</summary>
    /// <param name="stream">The stream to write to; left open.</param>
    /// <param name="documents">The sessions.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the bundle is written and flushed.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static async Task WriteBundleAsync(Stream stream, IEnumerable<SessionDocument> documents, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(documents);
        var writer = new SessionFormatWriter(stream, bundle: true, leaveOpen: true);
        await using var disposeWriter = writer.ConfigureAwait(false);
        foreach (var document in documents)
        {
            ArgumentNullException.ThrowIfNull(document, nameof(documents));
            await writer.WriteSessionAsync(document.Session, document.Messages, cancellationToken).ConfigureAwait(false);
        }

        await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    internal static SessionFormatException Error(string path, string what, Exception? inner = null, string? sessionId = null) =>
        new($"Invalid session document at '{path}': {what}.", sessionId, inner);
}

using System.Runtime.CompilerServices;

namespace Sessions.Sdk;

/// <summary>Writes sessions read from storage a page of messages at a time, in any export format, redacting on request.</summary>
internal static class SessionExporter
{
    // Large enough that stores whose forward range reads rescan the session (the file store reads from its start) pass
    // over it a few times only; small enough that a page (a few MB) keeps memory flat however long the session is.
    private const int PageSize = 4096;

    // Records copied as stored are buffered by the document writer until the page ends: a few hundred KB.
    private const int StoredPageSize = 512;

    public static async Task<int> ExportAsync(ISessionStorage storage, IReadOnlyList<SessionInfo> sessions, bool bundle, Stream stream, SessionExportOptions options, CancellationToken cancellationToken)
    {
        var redactor = options.Redactor;
        int exported = 0;
        if (options.Format == SessionExportFormat.Json)
        {
            var writer = new SessionFormatWriter(stream, bundle, leaveOpen: true);
            await using (writer.ConfigureAwait(false))
            {
                foreach (var listed in sessions)
                {
                    var info = bundle ? await storage.GetAsync(listed.Id, cancellationToken).ConfigureAwait(false) : listed;
                    if (info is null) continue;
                    await writer.WriteSessionStartAsync(redactor is null ? info : ExportRedaction.Redact(info, redactor), cancellationToken).ConfigureAwait(false);
                    if (redactor is null && storage is FileSessionStorage file)
                    {
                        await CopyStoredMessagesAsync(file, info, writer, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        await foreach (var message in ReadMessagesAsync(storage, info, redactor, cancellationToken).ConfigureAwait(false))
                        {
                            await writer.WriteMessageAsync(message, cancellationToken).ConfigureAwait(false);
                        }
                    }

                    await writer.WriteSessionEndAsync(cancellationToken).ConfigureAwait(false);
                    exported++;
                }

                await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
            }

            return exported;
        }

        var transcript = ExportTranscript.Create(options.Format, stream);
        await using (transcript.ConfigureAwait(false))
        {
            string title = sessions.Count == 1 && !bundle ? (sessions[0].Title.Length > 0 ? sessions[0].Title : sessions[0].Id) : "Sessions";
            transcript.Start(redactor is null ? title : redactor.Redact(title));
            foreach (var listed in sessions)
            {
                var info = bundle ? await storage.GetAsync(listed.Id, cancellationToken).ConfigureAwait(false) : listed;
                if (info is null) continue;
                transcript.StartSession(redactor is null ? info : ExportRedaction.Redact(info, redactor), exported == 0);
                await foreach (var message in ReadMessagesAsync(storage, info, redactor, cancellationToken).ConfigureAwait(false))
                {
                    transcript.WriteMessage(message);
                    await transcript.FlushIfNeededAsync(cancellationToken).ConfigureAwait(false);
                }

                transcript.EndSession();
                exported++;
            }

            transcript.Complete();
            await transcript.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        return exported;
    }

    /// <summary>Copies a file-store session's messages into the document as their stored JSON (no message is materialized), a
    /// page at a time, up to the count listed when the export started.</summary>
    /// <remarks>Only for the file store itself, never through a decorator (which may change messages on their way out), and
    /// only without a redactor.</remarks>
    private static async Task CopyStoredMessagesAsync(FileSessionStorage storage, SessionInfo info, SessionFormatWriter writer, CancellationToken cancellationToken)
    {
        long remaining = info.MessageCount;
        int skip = 0;
        while (remaining > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int take = (int)Math.Min(StoredPageSize, remaining);
            int copied = storage.CopyMessageJson(info.Id, skip, take, writer.WriteMessageJson);
            await writer.FlushPendingAsync(cancellationToken).ConfigureAwait(false);
            if (copied < take) return;
            skip += copied;
            remaining -= copied;
        }
    }

    /// <summary>Reads a session's messages a page at a time, up to the count listed when the export started.</summary>
    internal static async IAsyncEnumerable<SessionMessage> ReadMessagesAsync(ISessionStorage storage, SessionInfo info, ISessionRedactor? redactor, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        long remaining = info.MessageCount;
        int skip = 0;
        while (remaining > 0)
        {
            int take = (int)Math.Min(PageSize, remaining);
            var page = await storage.GetMessagesAsync(info.Id, MessageRange.Slice(skip, take), cancellationToken).ConfigureAwait(false);
            foreach (var message in page)
            {
                yield return redactor is null ? message : ExportRedaction.Redact(message, redactor);
            }

            if (page.Count < take) yield break;
            skip += page.Count;
            remaining -= page.Count;
        }
    }
}

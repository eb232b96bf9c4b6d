using System.Buffers;
using System.IO.Enumeration;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Sessions.Sdk;

/// <summary>Listing: the directory, the catalog cache, and the sessions read when the cache does not hold.</summary>
internal sealed partial class FileSessionStorage
{
    private List<SessionInfo> ListMatching(SessionQuery query, CancellationToken cancellationToken)
    {
        var result = new List<SessionInfo>();
        if (!Directory.Exists(Root)) return result;

        // Created before the directory is read: its birth time, from the files' own clock, is the new catalog's snapshot time.
        var pending = BeginCatalog();
        try
        {
            // One directory pass: length and last-write time of every metadata document and journal.
            // (Reference-type results keep the generic code shared and precompiled: a cold process lists sooner.)
            var metas = new Dictionary<string, FileStat>(StringComparer.Ordinal);
            var journals = new Dictionary<string, FileStat>(StringComparer.Ordinal);
            var enumeration = new FileSystemEnumerable<string?>(Root, (ref FileSystemEntry entry) =>
            {
                var name = entry.FileName;
                var stat = new FileStat(entry.Length, entry.LastWriteTimeUtc.UtcTicks);
                if (name.EndsWith(MetaSuffix, StringComparison.Ordinal)) metas[name[..^MetaSuffix.Length].ToString()] = stat;
                else journals[name[..^JournalSuffix.Length].ToString()] = stat;
                return null;
            })
            {
                ShouldIncludePredicate = (ref FileSystemEntry entry) => !entry.IsDirectory &&
                    (entry.FileName.EndsWith(MetaSuffix, StringComparison.Ordinal) || entry.FileName.EndsWith(JournalSuffix, StringComparison.Ordinal)),
            };
            foreach (var unused in enumeration)
            {
            }

            var catalog = FileSessionCatalog.TryRead(Path.Combine(Root, FileSessionCatalog.FileName));
            bool changed = catalog is null || catalog.Records.Count != metas.Count;
            var records = pending is null ? null : new List<FileSessionCatalog.Line>(metas.Count);
            foreach (var (id, meta) in metas)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!SessionIds.IsValid(id)) continue;
                var journal = journals.GetValueOrDefault(id);
                SessionInfo? session = null;
                if (catalog is not null && journal is not null && catalog.Records.TryGetValue(id, out var record) && FileSessionCatalog.IsCurrent(catalog, record, meta, journal))
                {
                    try
                    {
                        session = FileSessionCatalog.ToInfo(id, record);
                        records?.Add(new FileSessionCatalog.Line(id, meta, journal, record.Document));
                    }
                    catch (SessionFormatException)
                    {
                        // A damaged record: the catalog is only a cache, read the session itself.
                        session = null;
                    }
                }

                if (session is null)
                {
                    changed = true;
                    try
                    {
                        session = Guard(id, () => Load(id, journal));
                    }
                    catch (SessionFormatException ex)
                    {
                        // Damaged sessions were quarantined by Guard; newer-format ones are left alone. Either way the rest still list.
                        LogSkipped(id, ex.Message);
                        continue;
                    }

                    if (session is not null && journal is not null) records?.Add(new FileSessionCatalog.Line(id, meta, journal, FileSessionCatalog.ToDocument(session)));
                }

                if (session is not null && query.Matches(session)) result.Add(session);
            }

            if (changed && pending is { } p && records is not null)
            {
                CommitCatalog(p, records);
                pending = null;
            }
        }
        finally
        {
            if (pending is { } p) AbandonCatalog(p);
        }

        return result;
    }

    /// <summary>Creates the temporary file of a new catalog; <see langword="null"/> when the store cannot write one now.</summary>
    private PendingCatalog? BeginCatalog()
    {
        if (!Directory.Exists(_tempDirectory)) return null;
        // Not FileJournal.NewGeneration: the first cryptographic random number of a process costs milliseconds (the crypto library
        // loads), and a listing in a fresh process is exactly when that shows. CreateNew makes a clash fail, never overwrite.
        string unique = Environment.ProcessId.ToString("x", System.Globalization.CultureInfo.InvariantCulture) + "-"
            + Random.Shared.NextInt64().ToString("x", System.Globalization.CultureInfo.InvariantCulture);
        string temp = Path.Combine(_tempDirectory, FileSessionCatalog.FileName + "." + unique + ".tmp");
        try
        {
            var handle = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            return new PendingCatalog(temp, handle, File.GetLastWriteTimeUtc(handle).Ticks);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private void CommitCatalog(PendingCatalog pending, List<FileSessionCatalog.Line> records)
    {
        try
        {
            var buffer = new ArrayBufferWriter<byte>(Math.Max(4096, records.Count * 600));
            FileSessionCatalog.Write(buffer, pending.SnapshotTicks, records);
            using (pending.Handle)
            {
                RandomAccess.Write(pending.Handle, buffer.WrittenSpan, 0);
            }

            File.Move(pending.Path, Path.Combine(Root, FileSessionCatalog.FileName), overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Only a cache: the next listing reads the sessions themselves and tries again.
            LogCatalogFailed(ex);
            AbandonCatalog(pending);
        }
    }

    private static void AbandonCatalog(PendingCatalog pending)
    {
        pending.Handle.Dispose();
        try
        {
            File.Delete(pending.Path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Session '{SessionId}' was left out of a listing: {Reason}")]
    private partial void LogSkipped(string sessionId, string reason);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Debug, Message = "Could not write the session catalog; listings read the sessions themselves.")]
    private partial void LogCatalogFailed(Exception reason);

    /// <summary>A catalog being written: its temporary file and the file's birth time.</summary>
    private sealed record PendingCatalog(string Path, SafeFileHandle Handle, long SnapshotTicks);
}

using System.Buffers;
using System.IO.Enumeration;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Sessions.Sdk;

/// <summary>Listing: the directory, the catalog cache, and the sessions read when the cache does not hold.</summary>
internal sealed partial class FileSessionStorage
{
    private int _directoryListings;

    /// <summary>Gets how many listings of this instance read the directory rather than trusting the catalog for it (diagnostics and tests).</summary>
    internal int DirectoryListings => Volatile.Read(ref _directoryListings);

    private string CatalogDirectory => Path.Combine(Root, FileSessionCatalog.DirectoryName);

    private string CatalogPath => Path.Combine(Root, FileSessionCatalog.DirectoryName, FileSessionCatalog.FileName);

    private List<SessionInfo> ListMatching(SessionQuery query, CancellationToken cancellationToken)
    {
        // The root's last-write time first: everything read after it is at least as new.
        var root = new DirectoryInfo(Root);
        if (!root.Exists) return [];
        long rootWriteTicks = root.LastWriteTimeUtc.Ticks;
        var catalog = FileSessionCatalog.TryRead(CatalogPath);
        if (catalog is not null && FileSessionCatalog.CoversDirectory(catalog, rootWriteTicks) && ListFromCatalog(catalog, query, cancellationToken) is { } listed)
        {
            return listed;
        }

        return ListFromDirectory(catalog, rootWriteTicks, query, cancellationToken);
    }

    /// <summary>
    /// Lists without reading the directory: no session was created, deleted or renamed and no metadata document replaced since the
    /// catalog was taken, so only the journals are checked; <see langword="null"/> when a journal went missing (read the directory).
    /// </summary>
    private List<SessionInfo>? ListFromCatalog(FileSessionCatalog.Snapshot catalog, SessionQuery query, CancellationToken cancellationToken)
    {
        var result = new List<SessionInfo>(catalog.Records.Count);
        List<FileSessionCatalog.Record>? rewritten = null;
        PendingCatalog? pending = null;
        try
        {
            for (int i = 0; i < catalog.Records.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var record = catalog.Records[i];
                string id = record.Info.Id;
                if (StatJournal(id) is not { } journal) return null;
                SessionInfo? session = record.Info;
                if (record.Journal != journal)
                {
                    // Appended to since: read this session's metadata and what its journal gained. Records so far are kept as they were.
                    if (rewritten is null)
                    {
                        // Created before any session is read: its birth time is the snapshot time of the catalog written below.
                        pending = BeginCatalog();
                        rewritten = new List<FileSessionCatalog.Record>(catalog.Records.Count);
                        rewritten.AddRange(catalog.Records.Take(i));
                    }

                    try
                    {
                        session = Guard(id, () => Load(id, journal));
                    }
                    catch (SessionFormatException ex)
                    {
                        LogSkipped(id, ex.Message);
                        continue;
                    }

                    // Deleted just now (which the next listing sees in the directory's time).
                    if (session is null) continue;
                }

                rewritten?.Add(ReferenceEquals(session, record.Info) ? record : new FileSessionCatalog.Record(record.Meta, journal, session));
                if (query.Matches(session)) result.Add(session);
            }

            if (pending is { } p && rewritten is not null)
            {
                // The directory was unchanged when this listing began: the new catalog still covers it as of the same time.
                CommitCatalog(p, catalog.RootWriteTicks, rewritten);
                pending = null;
            }

            return result;
        }
        finally
        {
            if (pending is { } p) AbandonCatalog(p);
        }
    }

    /// <summary>The journal's length and last-write time, or <see langword="null"/> when it is missing (or cannot be asked).</summary>
    private FileStat? StatJournal(string sessionId)
    {
        if (UseNative)
        {
            int error = FileNative.TryStat(FileNative.ToNativePath(JournalPath(sessionId)), out var journal);
            if (error == 0) return new FileStat(journal.Length, journal.LastWriteTicks);
            if (error > 0) return null;
        }

        var file = new FileInfo(JournalPath(sessionId));
        return file.Exists ? new FileStat(file.Length, file.LastWriteTimeUtc.Ticks) : null;
    }

    /// <summary>Lists by reading the directory: every metadata document and journal's length and time, the catalog's record where they still match, the session itself where not.</summary>
    private List<SessionInfo> ListFromDirectory(FileSessionCatalog.Snapshot? catalog, long rootWriteTicks, SessionQuery query, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _directoryListings);
        var result = new List<SessionInfo>();

        // Created before the directory is read (and after the root's time was): its birth time is the new catalog's snapshot time.
        var pending = BeginCatalog();
        try
        {
            // One directory pass: length and last-write time of every metadata document and journal.
            // (Reference-type results keep the generic code shared and precompiled: a cold process lists sooner.)
            var metas = new Dictionary<string, FileStat>(StringComparer.Ordinal);
            var journals = new Dictionary<string, FileStat>(StringComparer.Ordinal);
            bool legacy = false;
            var enumeration = new FileSystemEnumerable<string?>(Root, (ref FileSystemEntry entry) =>
            {
                var name = entry.FileName;
                if (name.SequenceEqual(FileSessionCatalog.LegacyFileName))
                {
                    legacy = true;
                    return null;
                }

                var stat = new FileStat(entry.Length, entry.LastWriteTimeUtc.UtcTicks);
                if (name.EndsWith(MetaSuffix, StringComparison.Ordinal)) metas[name[..^MetaSuffix.Length].ToString()] = stat;
                else journals[name[..^JournalSuffix.Length].ToString()] = stat;
                return null;
            }, LegacyVisible)
            {
                ShouldIncludePredicate = (ref FileSystemEntry entry) => !entry.IsDirectory &&
                    (entry.FileName.EndsWith(MetaSuffix, StringComparison.Ordinal) || entry.FileName.EndsWith(JournalSuffix, StringComparison.Ordinal)
                    || entry.FileName.SequenceEqual(FileSessionCatalog.LegacyFileName)),
            };
            foreach (var unused in enumeration)
            {
            }

            if (legacy) DeleteLegacyCatalog();
            Dictionary<string, FileSessionCatalog.Record>? known = null;
            if (catalog is not null)
            {
                known = new Dictionary<string, FileSessionCatalog.Record>(catalog.Records.Count, StringComparer.Ordinal);
                foreach (var record in catalog.Records) known[record.Info.Id] = record;
            }

            // Rewritten when anything changed, or when the new catalog would let the next listing skip the directory and the old one did not.
            bool changed = catalog is null || catalog.Records.Count != metas.Count || !FileSessionCatalog.CoversDirectory(catalog, rootWriteTicks);
            var records = pending is null ? null : new List<FileSessionCatalog.Record>(metas.Count);
            foreach (var (id, meta) in metas)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!SessionIds.IsValid(id)) continue;
                var journal = journals.GetValueOrDefault(id);
                SessionInfo? session = null;
                if (catalog is not null && journal is not null && known!.TryGetValue(id, out var record) && FileSessionCatalog.IsCurrent(catalog, record, meta, journal))
                {
                    session = record.Info;
                    records?.Add(new FileSessionCatalog.Record(meta, journal, session));
                }
                else
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

                    if (session is not null && journal is not null) records?.Add(new FileSessionCatalog.Record(meta, journal, session));
                }

                if (session is not null && query.Matches(session)) result.Add(session);
            }

            if (changed && pending is { } p && records is not null)
            {
                CommitCatalog(p, rootWriteTicks, records);
                pending = null;
            }
        }
        finally
        {
            if (pending is { } p) AbandonCatalog(p);
        }

        return result;
    }

    /// <summary>Enumeration that sees the hidden legacy catalog (names starting with a dot are hidden on Unix).</summary>
    private static readonly EnumerationOptions LegacyVisible = new() { AttributesToSkip = 0 };

    private void DeleteLegacyCatalog()
    {
        try
        {
            File.Delete(Path.Combine(Root, FileSessionCatalog.LegacyFileName));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Creates the temporary file of a new catalog; <see langword="null"/> when the store cannot write one now.</summary>
    private PendingCatalog? BeginCatalog()
    {
        if (!Directory.Exists(_tempDirectory))
        {
            try
            {
                FileWorkingFolder.Ensure(_tempDirectory, _logger);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }

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

    private void CommitCatalog(PendingCatalog pending, long rootWriteTicks, List<FileSessionCatalog.Record> records)
    {
        try
        {
            var buffer = new ArrayBufferWriter<byte>(Math.Max(4096, records.Count * 256));
            FileSessionCatalog.Write(buffer, pending.SnapshotTicks, rootWriteTicks, records);
            using (pending.Handle)
            {
                RandomAccess.Write(pending.Handle, buffer.WrittenSpan, 0);
            }

            // In its own directory: replacing it changes nothing in the root, whose time the next listing compares.
            if (!Directory.Exists(CatalogDirectory)) FileWorkingFolder.Ensure(CatalogDirectory, _logger);
            File.Move(pending.Path, CatalogPath, overwrite: true);
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

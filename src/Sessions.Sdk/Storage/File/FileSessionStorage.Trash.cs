using System.IO.Enumeration;
using System.Runtime.CompilerServices;

namespace Sessions.Sdk;

/// <summary>The trash: a trashed session's two files are renamed into <c>.trash/</c>, unchanged; restoring renames them back.</summary>
/// <remarks>
/// A session is in the trash while <c>.trash/{id}.meta.json</c> exists, as it is live while <c>{id}.meta.json</c> exists, so the
/// rename of the metadata document is the commit point of both moves. Trashing renames the metadata document first, then the
/// journal; restoring renames the journal first, then the metadata document. A crash between the two renames therefore leaves
/// the same state either way (metadata in the trash, journal in the root): the session is in the trash, and restoring or purging
/// it finishes the job. Both renames stay within one file system, so each costs the same whatever the session's length.
/// The time a session was trashed is the trashed metadata document's last-write time, set from the store's clock just before the move.
/// </remarks>
internal sealed partial class FileSessionStorage : ISessionTrash
{
    private string TrashDirectory => Path.Combine(Root, ".trash");

    /// <inheritdoc/>
    public async ValueTask<bool> TrashAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(sessionId);
        if (!Directory.Exists(Root)) return false;
        var entry = GetEntry(sessionId);
        using var held = await LockAsync(entry, sessionId, cancellationToken).ConfigureAwait(false);
        return Guard(sessionId, () =>
        {
            var document = ReadDocument(sessionId);
            if (document is null) return false;

            // Bring the summary up to date so the trash lists exact counts without opening the journal (bounded work: the tail since the last summary).
            var state = LoadStateLocked(entry, sessionId, document.Summary);
            var summary = state.ToSummary(LastWriteTicks(JournalPath(sessionId)));
            if (document.Summary != summary) WriteDocument(sessionId, document with { Summary = summary }, durableRename: false);

            Directory.CreateDirectory(TrashDirectory);
            CloseJournal(entry);
            File.SetLastWriteTimeUtc(MetaPath(sessionId), _timeProvider.GetUtcNow().UtcDateTime);
            File.Move(MetaPath(sessionId), TrashMetaPath(sessionId), overwrite: false);
            MoveIfExists(JournalPath(sessionId), TrashJournalPath(sessionId));
            FlushMoves();
            ForgetState(entry);
            return true;
        });
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<TrashedSession> ListTrashAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var trashed = new List<TrashedSession>();
        if (Directory.Exists(TrashDirectory))
        {
            var ids = new FileSystemEnumerable<string>(
                TrashDirectory,
                (ref FileSystemEntry e) => e.FileName[..^MetaSuffix.Length].ToString(),
                new EnumerationOptions { RecurseSubdirectories = false, IgnoreInaccessible = true })
            {
                ShouldIncludePredicate = (ref FileSystemEntry e) => !e.IsDirectory && e.FileName.EndsWith(MetaSuffix, StringComparison.Ordinal),
            };
            foreach (var id in ids)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!SessionIds.IsValid(id)) continue;
                if (ReadTrashed(id) is { } t) trashed.Add(t);
            }
        }

        trashed.Sort(static (a, b) =>
        {
            int byTime = b.TrashedAt.CompareTo(a.TrashedAt);
            return byTime != 0 ? byTime : string.CompareOrdinal(a.Session.Id, b.Session.Id);
        });
        foreach (var t in trashed)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return t;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<bool> RestoreAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(sessionId);
        if (!Directory.Exists(TrashDirectory)) return false;
        var entry = GetEntry(sessionId);
        using var held = await LockAsync(entry, sessionId, cancellationToken).ConfigureAwait(false);
        return Guard(sessionId, () =>
        {
            if (!File.Exists(TrashMetaPath(sessionId))) return false;
            if (File.Exists(MetaPath(sessionId))) throw new SessionAlreadyExistsException(sessionId);
            CloseJournal(entry);

            // Over a journal a crash left in the root only when this operation holds it locked; else only where no file is.
            bool overwrite = entry.Locked is not null || !RecordLocksAvailable;
            try
            {
                MoveIfExists(TrashJournalPath(sessionId), JournalPath(sessionId), overwrite);
            }
            catch (IOException) when (!overwrite && File.Exists(JournalPath(sessionId)))
            {
                throw new SessionAlreadyExistsException(sessionId);
            }
            File.Move(TrashMetaPath(sessionId), MetaPath(sessionId), overwrite: false);
            FlushMoves();
            ForgetState(entry);
            return true;
        });
    }

    /// <inheritdoc/>
    public async ValueTask<bool> PurgeAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(sessionId);
        if (!Directory.Exists(TrashDirectory)) return false;
        var entry = GetEntry(sessionId);
        using var held = await LockAsync(entry, sessionId, cancellationToken).ConfigureAwait(false);
        return Guard(sessionId, () =>
        {
            if (!File.Exists(TrashMetaPath(sessionId))) return false;
            File.Delete(TrashMetaPath(sessionId));
            File.Delete(TrashJournalPath(sessionId));

            // A journal left in the root by a crash between a trash's two renames belongs to this trashed session.
            if (!File.Exists(MetaPath(sessionId))) File.Delete(JournalPath(sessionId));
            if (_options.FsyncOnAppend) FlushDirectory(TrashDirectory);
            return true;
        });
    }

    /// <summary>Returns whether the id belongs to a trashed session (which keeps it taken until purged).</summary>
    private bool IsTrashed(string sessionId) => File.Exists(TrashMetaPath(sessionId));

    private string TrashMetaPath(string sessionId) => Path.Combine(TrashDirectory, sessionId + MetaSuffix);

    private string TrashJournalPath(string sessionId) => Path.Combine(TrashDirectory, sessionId + JournalSuffix);

    private static void MoveIfExists(string source, string destination, bool overwrite = true)
    {
        try
        {
            File.Move(source, destination, overwrite);
        }
        catch (FileNotFoundException)
        {
        }
    }

    private static void ForgetState(Entry entry)
    {
        entry.State = null;
        entry.SummaryLength = -1;
        entry.Tail.Clear();
    }

    private void FlushMoves()
    {
        if (!_options.FsyncOnAppend) return;
        FlushDirectory(Root);
        FlushDirectory(TrashDirectory);
    }

    private TrashedSession? ReadTrashed(string sessionId)
    {
        string path = TrashMetaPath(sessionId);
        try
        {
            var bytes = ReadSmallFile(path);
            if (bytes is null) return null;
            var trashedAt = new DateTimeOffset(File.GetLastWriteTimeUtc(path), TimeSpan.Zero);
            var document = FileSessionDocument.Parse(bytes.Value.Span, sessionId);
            var info = document.Info;
            if (document.Summary is { } s)
            {
                var header = new FileJournalHeader(sessionId, s.Generation, s.Version, s.UpdatedAt, SessionUsage.Empty);
                info = Compose(document, new FileJournalState(header, s.Length, s.Count, s.Usage, s.UpdatedAt), bytes.Value.Length);
            }

            return new TrashedSession { Session = info, TrashedAt = trashedAt };
        }
        catch (SessionFormatException ex)
        {
            LogSkipped(sessionId, ex.Message);
            return null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}

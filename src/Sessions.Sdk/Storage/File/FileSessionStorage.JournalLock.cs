using System.Diagnostics;
using Microsoft.Win32.SafeHandles;

namespace Sessions.Sdk;

/// <summary>The writers' mutual exclusion on the journal itself: an exclusive record lock on the journal's open file, checked to
/// still be the file at the journal's path.</summary>
/// <remarks>
/// <para>
/// The lock stripes in <c>.locks/</c> are files a user can delete: a writer holding the lock on a deleted stripe file excludes
/// nobody who opens the path afresh, so two writers could append at the same offset. Every operation on an existing session
/// therefore also locks the journal's inode (<c>F_OFD_SETLK</c>, an open-file-description record lock that .NET's own shared
/// <c>flock</c> on every open file does not interact with) and then checks that the path still names that inode. Whatever
/// changes which file the path names (a replacement renamed over it, a deletion, a move to the trash or quarantine) is done
/// under this lock, so a writer that wins the lock on a file still at the path is alone on the live journal. A replacement
/// journal is locked before it is renamed into place ("born locked"), so nobody can take the new file before its writer has
/// finished the operation, and a writer waiting on the old file finds it no longer at the path and retries on the new one.
/// </para>
/// <para>
/// Creating a session (no journal yet) relies on the stripe lock and on the journal being moved into place only when no file
/// is there: a second creator's move fails, whatever happened to <c>.locks/</c>. Where OFD locks are not available (other
/// operating systems, 32-bit processes, old kernels) the stripe lock alone excludes writers; on Windows a held lock file cannot
/// be deleted, so deleting <c>.locks/</c> is refused while a writer holds it.
/// </para>
/// </remarks>
internal sealed partial class FileSessionStorage
{
    private volatile bool _recordLocksUnavailable;

    private bool RecordLocksAvailable => FileNative.IsAvailable && !_recordLocksUnavailable;

    /// <summary>Takes the journal lock of a session whose stripe this caller holds, waiting for another holder.</summary>
    /// <returns>The lock, or <see langword="null"/> when there is no journal at the path (or no way to lock it: the stripe alone excludes).</returns>
    /// <exception cref="SessionStorageException">Another writer held it longer than the lock timeout.</exception>
    private async ValueTask<JournalLock?> LockJournalAsync(Entry entry, string sessionId, CancellationToken cancellationToken)
    {
        if (!RecordLocksAvailable) return null;
        long started = Stopwatch.GetTimestamp();
        for (int attempt = 0; ; attempt++)
        {
            if (TryLockJournal(entry, sessionId, out var taken)) return taken;
            cancellationToken.ThrowIfCancellationRequested();
            ThrowIfJournalLockTimedOut(started, sessionId);
            if (attempt < 20) Thread.Yield();
            else await Task.Delay(1, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>As <see cref="LockJournalAsync"/>, blocking.</summary>
    private JournalLock? LockJournal(Entry entry, string sessionId)
    {
        if (!RecordLocksAvailable) return null;
        long started = Stopwatch.GetTimestamp();
        for (int attempt = 0; ; attempt++)
        {
            if (TryLockJournal(entry, sessionId, out var taken)) return taken;
            ThrowIfJournalLockTimedOut(started, sessionId);
            if (attempt < 20) Thread.Yield();
            else Thread.Sleep(1);
        }
    }

    /// <returns><see langword="false"/> when another writer holds the lock (try again); otherwise the outcome in <paramref name="taken"/>.</returns>
    private bool TryLockJournal(Entry entry, string sessionId, out JournalLock? taken)
    {
        taken = null;
        entry.NativeJournalPath ??= FileNative.ToNativePath(JournalPath(sessionId));
        for (int reopened = 0; reopened < 8; reopened++)
        {
            SafeFileHandle handle;
            FileIdentity identity;
            bool kept = entry.Journal is not null;
            if (entry.Journal is { } journal)
            {
                (handle, identity) = (journal.Handle, journal.Identity);
            }
            else
            {
                try
                {
                    handle = OpenJournal(sessionId, FileAccess.ReadWrite);
                }
                catch (Exception ex) when (ex is SessionsException or IOException or UnauthorizedAccessException)
                {
                    // No journal (a session to create, or gone), or one the operation itself will report: nothing to lock.
                    return true;
                }

                if (FileNative.TryStat(handle, out identity) != 0)
                {
                    handle.Dispose();
                    return true;
                }
            }

            int error = FileNative.TryLockRecordExclusive(handle);
            if (error == FileNative.WouldBlock)
            {
                if (!kept) handle.Dispose();
                return false;
            }

            if (error != 0)
            {
                // No record locks here (an old kernel, a file system without them): the stripe lock alone excludes writers.
                if (!kept) handle.Dispose();
                _recordLocksUnavailable = true;
                return true;
            }

            // Locked: but a lock on a file no longer at the path excludes nobody who opens the path now.
            int stat = FileNative.TryStat(entry.NativeJournalPath, out var current);
            if (stat == 0 && current.IsSameFile(identity))
            {
                taken = new JournalLock(handle, identity, owned: !kept) { Length = current.Length };
                return true;
            }

            _ = FileNative.TryUnlockRecord(handle);
            if (kept) CloseJournal(entry);
            else handle.Dispose();
            if (stat != 0) return true; // gone (deleted, trashed, quarantined): nothing to lock
        }

        return true;
    }

    /// <summary>The append fast path: locks the journal this process keeps open, without the stripe, when it is still the file at the
    /// journal's path.</summary>
    /// <remarks>
    /// Exclusion between processes rests on the journal's own record lock, which every writer of an existing session takes
    /// (nothing a user can delete: the lock lives on the journal's inode). An append neither renames, replaces nor removes the
    /// journal or the metadata document, which are the changes the stripe lock orders while no journal is at the path (creation,
    /// restoring from the trash); every such change of an existing journal is made under its record lock, so "locked, and the path
    /// still names this inode" proves this writer is alone on the live journal. The path's stat also gives the journal's length, so
    /// an append costs the lock, one stat of each of the two paths, the write and the unlock. When the lock is held elsewhere, the
    /// path names another file, or anything cannot be told, the caller takes the ordinary path (stripe, then journal lock, waiting).
    /// </remarks>
    /// <returns>The lock, or <see langword="null"/> to take the ordinary path.</returns>
    private JournalLock? TryLockKeptJournal(Entry entry, string sessionId)
    {
        if (!RecordLocksAvailable || entry.Journal is not { } kept || _disposed) return null;
        if (FileNative.TryLockRecordExclusive(kept.Handle) != 0) return null;
        entry.NativeJournalPath ??= FileNative.ToNativePath(JournalPath(sessionId));
        if (FileNative.TryStat(entry.NativeJournalPath, out var current) == 0 && current.IsSameFile(kept.Identity))
        {
            return new JournalLock(kept.Handle, kept.Identity, owned: false) { Length = current.Length };
        }

        _ = FileNative.TryUnlockRecord(kept.Handle);
        return null;
    }

    /// <summary>Releases the journal lock(s) the operation holds: the one taken at its start and any journal it wrote in place of it.</summary>
    private void ReleaseJournalLocks(Entry entry)
    {
        var locked = entry.Locked;
        entry.Locked = null;
        for (; locked is not null; locked = locked.Retired)
        {
            if (locked.Handle.IsClosed) continue;
            bool unlocked = FileNative.TryUnlockRecord(locked.Handle);
            if (locked.Owned)
            {
                locked.Handle.Dispose();
            }
            else if (!unlocked && entry.Journal is { } kept && ReferenceEquals(kept.Handle, locked.Handle))
            {
                // Closing the file releases its lock too.
                CloseJournal(entry);
            }
        }
    }

    /// <summary>Makes a journal just written (and locked before it was renamed into place) the one the operation holds.</summary>
    private static void HoldNewJournal(Entry entry, SafeFileHandle? handle, FileJournalHeader header)
    {
        if (handle is null) return;
        _ = FileNative.TryStat(handle, out var identity);
        entry.Locked = new JournalLock(handle, identity, owned: true) { Header = header, Retired = entry.Locked };
    }

    private void ThrowIfJournalLockTimedOut(long started, string sessionId)
    {
        if (Stopwatch.GetElapsedTime(started) > _options.LockTimeout)
        {
            throw new SessionStorageException($"Timed out after {_options.LockTimeout.TotalSeconds:0.#} s waiting for the lock on session '{sessionId}''s journal; another process holds it. Increase FileStorageOptions.LockTimeout if writers hold it that long.");
        }
    }

    /// <summary>A journal locked by the running operation.</summary>
    /// <param name="handle">The journal's open file, which holds the lock.</param>
    /// <param name="identity">Which file it is.</param>
    /// <param name="owned">Whether the lock closes the handle when released (not when it is the journal the entry keeps open).</param>
    private sealed class JournalLock(SafeFileHandle handle, FileIdentity identity, bool owned)
    {
        public SafeFileHandle Handle { get; } = handle;

        public FileIdentity Identity { get; } = identity;

        /// <summary>Gets or sets a value indicating whether the lock closes the handle when released.</summary>
        public bool Owned { get; set; } = owned;

        /// <summary>Gets or sets the journal's length seen right after the lock was taken, or -1.</summary>
        public long Length { get; set; } = -1;

        /// <summary>Gets or sets the journal's header once read.</summary>
        public FileJournalHeader? Header { get; set; }

        /// <summary>Gets or sets the lock on the journal this one replaced, released with it at the end of the operation.</summary>
        public JournalLock? Retired { get; init; }

        /// <summary>Returns <see cref="Length"/> once (later calls return -1: the operation may have written since).</summary>
        public long TakeLength()
        {
            long length = Length;
            Length = -1;
            return length;
        }
    }
}

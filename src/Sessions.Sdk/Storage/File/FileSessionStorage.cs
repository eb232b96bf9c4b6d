using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Enumeration;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Sessions.Sdk;

/// <summary>Stores each session as two files: an append-only message journal and a small metadata document.</summary>
/// <remarks>
/// Layout under the root: <c>{id}.jsonl</c> (journal: a header line, then one message per line), <c>{id}.meta.json</c>
/// (metadata and a journal summary, replaced atomically), <c>.catalog/sessions.bin</c> (a listing cache of every session, trusted
/// only while the root and the journals show no change since it was taken), <c>.locks/</c> (cross-process lock stripes), <c>.tmp/</c>
/// (files being written before they are renamed into place) and <c>.quarantine/</c> (damaged sessions moved aside).
/// A session exists while its metadata document exists. Thread-safe; safe for several processes sharing one root.
/// On Linux the store keeps its lock files and the journals of recently written sessions open between operations (closed by
/// <see cref="Dispose"/>), checking under the lock that each is still the file at its path; elsewhere it opens them per operation.
/// </remarks>
internal sealed partial class FileSessionStorage : ISessionStorage, ISessionSearch, IDisposable, IAsyncDisposable
{
    private const string MetaSuffix = ".meta.json";
    private const string JournalSuffix = ".jsonl";

    private readonly FileStorageOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly FileSessionLock?[] _stripes = new FileSessionLock?[FileSessionLock.Stripes];

    // One per stripe, used by whoever holds the stripe's gate: a bounded number however many sessions are written.
    private readonly FileJournal.LineWriter?[] _lineWriters = new FileJournal.LineWriter?[FileSessionLock.Stripes];
    private readonly string _lockDirectory;
    private readonly string _tempDirectory;
    private readonly string _quarantineDirectory;
    private readonly ScanningSessionSearch _search;
    private volatile bool _rootReady;
    private int _keptJournals;
    private volatile bool _disposed;

    public FileSessionStorage(FileStorageOptions options, TimeProvider timeProvider, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        Root = options.ResolveDirectory();
        _lockDirectory = Path.Combine(Root, ".locks");
        _tempDirectory = Path.Combine(Root, ".tmp");
        _quarantineDirectory = Path.Combine(Root, ".quarantine");
        _search = new ScanningSessionSearch(this);
    }

    /// <summary>Gets the full path of the directory holding the sessions.</summary>
    public string Root { get; }

    /// <summary>Gets the directory damaged sessions are moved into.</summary>
    public string QuarantineDirectory => _quarantineDirectory;

    /// <inheritdoc/>
    public async ValueTask<SessionInfo> CreateAsync(SessionInfo session, IReadOnlyList<SessionMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        SessionIds.Validate(session.Id, nameof(session));
        ArgumentNullException.ThrowIfNull(messages);
        StoreRules.ValidateInfo(session, nameof(session));
        ValidateMessages(messages);
        string id = session.Id;
        var entry = GetEntry(id);
        using var held = await LockAsync(entry, id, cancellationToken).ConfigureAwait(false);
        return Guard(id, () =>
        {
            if (File.Exists(MetaPath(id)) || IsTrashed(id)) throw new SessionAlreadyExistsException(id);
            var now = _timeProvider.GetUtcNow();
            var header = new FileJournalHeader(id, FileJournal.NewGeneration(), 1, now, SessionUsage.Empty) { InitialCount = messages.Count };
            CloseJournal(entry);
            var state = WriteNewJournal(entry, id, header, messages, SessionUsage.Empty);
            entry.Tail.Clear();
            var info = StripStored(session) with
            {
                CreatedAt = session.CreatedAt == default ? now : session.CreatedAt,
                UpdatedAt = now,
                Version = 1,
            };
            var document = new FileSessionDocument { Info = info, Summary = state.ToSummary(LastWriteTicks(JournalPath(id))), EditGeneration = header.Generation, EditCount = messages.Count };
            int size = WriteDocument(id, document);
            entry.State = state;
            entry.SummaryLength = state.Length;
            return Compose(document, state, size);
        });
    }

    /// <inheritdoc/>
    public ValueTask<SessionInfo?> GetAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(sessionId);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Guard(sessionId, () => Load(sessionId, journalStat: null)));
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<SessionMessage>> AppendMessagesAsync(string sessionId, IReadOnlyList<SessionMessage> messages, CancellationToken cancellationToken = default)
    {
        try
        {
            SessionIds.Validate(sessionId);
            ArgumentNullException.ThrowIfNull(messages);
            ValidateMessages(messages);
            var entry = GetEntry(sessionId);

            // The common case (no other operation on the session, its journal kept open and lockable at once) runs here to the end,
            // without the state machines of the path that waits: an append is short, and often runs right after an fsync, cold.
            if (cancellationToken.IsCancellationRequested || !TryLockForAppendNow(entry, sessionId, out var held))
            {
                return AppendWaitingAsync(entry, sessionId, messages, cancellationToken);
            }

            using (held)
            {
                return new(Guard<IReadOnlyList<SessionMessage>>(sessionId, () => AppendLocked(entry, sessionId, messages)));
            }
        }
        catch (Exception ex)
        {
            // As from the asynchronous path: every failure is reported through the returned task.
            return ValueTask.FromException<IReadOnlyList<SessionMessage>>(ex);
        }
    }

    private async ValueTask<IReadOnlyList<SessionMessage>> AppendWaitingAsync(Entry entry, string sessionId, IReadOnlyList<SessionMessage> messages, CancellationToken cancellationToken)
    {
        using var held = await LockAsync(entry, sessionId, cancellationToken, appendOnly: true).ConfigureAwait(false);
        return Guard<IReadOnlyList<SessionMessage>>(sessionId, () => AppendLocked(entry, sessionId, messages));
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<SessionMessage>> GetMessagesAsync(string sessionId, MessageRange range, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(sessionId);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Guard<IReadOnlyList<SessionMessage>>(sessionId, () => ReadMessages(sessionId, range)));
    }

    /// <inheritdoc/>
    public async ValueTask<SessionInfo> UpdateAsync(SessionInfo session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        SessionIds.Validate(session.Id, nameof(session));
        StoreRules.ValidateInfo(session, nameof(session));
        string id = session.Id;
        var entry = GetEntry(id);
        using var held = await LockAsync(entry, id, cancellationToken).ConfigureAwait(false);
        return Guard(id, () =>
        {
            var document = ReadDocument(id) ?? throw new SessionNotFoundException(id);
            var state = LoadStateLocked(entry, id, document.Summary);
            var (current, edited) = Versions(document, state);

            // Appends since the caller's version are merged; a metadata edit or a replacement since then is a conflict.
            if (session.Version < edited || session.Version > current) throw new SessionConcurrencyException(id, session.Version, current);
            var normalized = StoreRules.Normalize(session);
            var info = document.Info with
            {
                Title = normalized.Title,
                Kind = session.Kind,
                Tags = normalized.Tags,
                Metadata = normalized.Metadata,
                SystemPrompt = session.SystemPrompt,
                ProviderName = session.ProviderName,
                ModelId = session.ModelId,
                UpdatedAt = _timeProvider.GetUtcNow(),
                Version = current + 1,
            };
            var updated = new FileSessionDocument { Info = info, Summary = state.ToSummary(LastWriteTicks(JournalPath(id))), EditGeneration = state.Header.Generation, EditCount = state.Count };
            int size = WriteDocument(id, updated);
            entry.SummaryLength = state.Length;
            return Compose(updated, state, size);
        });
    }

    /// <inheritdoc/>
    public async ValueTask<SessionInfo> ReplaceMessagesAsync(string sessionId, IReadOnlyList<SessionMessage> messages, long expectedVersion, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(sessionId);
        ArgumentNullException.ThrowIfNull(messages);
        ValidateMessages(messages);
        var entry = GetEntry(sessionId);
        using var held = await LockAsync(entry, sessionId, cancellationToken).ConfigureAwait(false);
        return Guard(sessionId, () =>
        {
            var document = ReadDocument(sessionId) ?? throw new SessionNotFoundException(sessionId);
            var state = LoadStateLocked(entry, sessionId, document.Summary);

            // Strict: every append advanced the version, so a replacement based on an older read cannot drop an acknowledged append.
            var (current, _) = Versions(document, state);
            if (expectedVersion != current) throw new SessionConcurrencyException(sessionId, expectedVersion, current);

            // Usage is spend, not history: the new journal carries the old total minus what its own messages declare.
            var kept = SessionUsage.Empty;
            foreach (var message in messages) kept = kept.Add(message.Usage);
            var now = _timeProvider.GetUtcNow();
            var header = new FileJournalHeader(sessionId, FileJournal.NewGeneration(), current + 1, now, Subtract(state.Usage, kept)) { InitialCount = messages.Count };

            // Renaming the new journal over the old one is the commit point; the metadata write after it only refreshes the summary.
            CloseJournal(entry);
            var newState = WriteNewJournal(entry, sessionId, header, messages, header.BaseUsage);
            entry.Tail.Clear();
            entry.State = newState;
            var info = document.Info with { UpdatedAt = now, Version = current + 1 };
            var updated = new FileSessionDocument { Info = info, Summary = newState.ToSummary(LastWriteTicks(JournalPath(sessionId))), EditGeneration = header.Generation, EditCount = messages.Count };
            int size = WriteDocument(sessionId, updated);
            entry.SummaryLength = newState.Length;
            return Compose(updated, newState, size);
        });
    }

    /// <inheritdoc/>
    public async ValueTask<bool> DeleteAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(sessionId);
        if (!Directory.Exists(Root)) return false;
        var entry = GetEntry(sessionId);
        using var held = await LockAsync(entry, sessionId, cancellationToken).ConfigureAwait(false);
        return Guard(sessionId, () =>
        {
            // The metadata document goes first: without it the session no longer exists, whatever a crash leaves behind.
            bool existed = File.Exists(MetaPath(sessionId));
            CloseJournal(entry);
            if (existed) File.Delete(MetaPath(sessionId));
            File.Delete(JournalPath(sessionId));
            if (existed && _options.FsyncOnAppend) FlushDirectory(Root);
            entry.State = null;
            entry.SummaryLength = -1;
            entry.Tail.Clear();
            return existed;
        });
    }

    /// <inheritdoc/>
    public ValueTask<bool> ExistsAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(sessionId);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(File.Exists(MetaPath(sessionId)));
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<SessionInfo> ListAsync(SessionQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        cancellationToken.ThrowIfCancellationRequested();
        var page = query.OrderAndPage(ListMatching(query, cancellationToken));
        foreach (var session in page)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return session;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <inheritdoc/>
    /// <remarks>Scans the sessions' messages through this store; the file store keeps no separate index.</remarks>
    public IAsyncEnumerable<SessionSearchHit> SearchAsync(SessionSearchQuery query, CancellationToken cancellationToken = default) =>
        _search.SearchAsync(query, cancellationToken);

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        SaveSummaries();
        CloseHandles();
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    internal string MetaPath(string sessionId) => Path.Combine(Root, sessionId + MetaSuffix);

    internal string JournalPath(string sessionId) => Path.Combine(Root, sessionId + JournalSuffix);

    private static SessionInfo StripStored(SessionInfo session) => StoreRules.Normalize(session) with
    {
        MessageCount = 0,
        SizeBytes = 0,
        Usage = SessionUsage.Empty,
    };

    private static void ValidateMessages(IReadOnlyList<SessionMessage> messages) => StoreRules.ValidateMessages(messages, nameof(messages));

    private static SessionUsage Subtract(SessionUsage total, SessionUsage part) => new()
    {
        InputTokens = total.InputTokens - part.InputTokens,
        OutputTokens = total.OutputTokens - part.OutputTokens,
        TotalTokens = total.TotalTokens - part.TotalTokens,
        Cost = total.Cost - part.Cost,
        Requests = total.Requests - part.Requests,
        UnpricedRequests = total.UnpricedRequests - part.UnpricedRequests,
    };

    private static SessionInfo Compose(FileSessionDocument document, FileJournalState state, long documentSize) => document.Info with
    {
        MessageCount = state.Count,
        Usage = state.Usage,
        SizeBytes = state.Length + documentSize,
        UpdatedAt = document.Info.UpdatedAt > state.UpdatedAt ? document.Info.UpdatedAt : state.UpdatedAt,
        Version = Versions(document, state).Current,
    };

    /// <summary>The session's version and the version its last metadata edit or replacement produced.</summary>
    /// <remarks>
    /// The version is that of the last edit (a metadata update, recorded in the document with the journal generation and message
    /// count it was made at; or the create/replace that wrote the journal, recorded in its header) plus one per message appended
    /// since. Appends never rewrite either file, yet every one of them advances the version a replacement is checked against.
    /// </remarks>
    private static (long Current, long Edited) Versions(FileSessionDocument document, FileJournalState state)
    {
        long edited = state.Header.Version, baseCount = state.Header.InitialCount;
        long documentVersion = document.Info.Version;
        if (string.Equals(document.EditGeneration, state.Header.Generation, StringComparison.Ordinal) && documentVersion >= edited)
        {
            (edited, baseCount) = (documentVersion, document.EditCount);
        }
        else if (document.EditGeneration is null && documentVersion > edited)
        {
            // A document written before appends advanced the version: its edit's message count is unknown.
            (edited, baseCount) = (documentVersion, 0);
        }

        return (edited + Math.Max(0, state.Count - baseCount), edited);
    }

    private static long LastWriteTicks(string path) => File.GetLastWriteTimeUtc(path).Ticks;

    private static void FlushDirectory(string directory)
    {
        if (OperatingSystem.IsWindows()) return;
        try
        {
            using var handle = File.OpenHandle(directory, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            FlushToDisk(handle);
        }
        catch (IOException)
        {
            // Some file systems refuse to flush a directory; the rename is still atomic, only its durability is weaker.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static void FlushToDisk(SafeFileHandle handle) => RandomAccess.FlushToDisk(handle);

    private Entry GetEntry(string sessionId) => _entries.GetOrAdd(sessionId, static (id, self) => new Entry(self.StripeFor(id)), this);

    private FileSessionLock StripeFor(string sessionId)
    {
        int index = FileSessionLock.StripeFor(sessionId);
        var stripe = Volatile.Read(ref _stripes[index]);
        if (stripe is not null) return stripe;
        var created = new FileSessionLock(index, FileSessionLock.PathFor(_lockDirectory, sessionId), UseNative, _logger);
        return Interlocked.CompareExchange(ref _stripes[index], created, null) ?? created;
    }

    /// <summary>Gets a value indicating whether the Linux fast paths (lock files and journals kept open) are in use.</summary>
    private bool UseNative => _options.NativeFastPath && FileNative.IsAvailable;

    /// <param name="entry">The session's entry.</param>
    /// <param name="sessionId">The session.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <param name="appendOnly">Whether the operation only appends to (or repairs the tail of) the journal at the path, never renaming,
    /// replacing or removing it: such an operation on a journal this process keeps open needs only the journal's own record lock
    /// (see <see cref="TryLockKeptJournal"/>), not the stripe's.</param>
    private async ValueTask<Held> LockAsync(Entry entry, string sessionId, CancellationToken cancellationToken, bool appendOnly = false)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!await entry.Gate.WaitAsync(_options.LockTimeout, cancellationToken).ConfigureAwait(false))
        {
            throw new SessionStorageException($"Timed out after {_options.LockTimeout.TotalSeconds:0.#} s waiting for another operation on session '{sessionId}' in this process.");
        }

        try
        {
            EnsureRoot();
            if (appendOnly && TryLockKeptJournal(entry, sessionId) is { } fast)
            {
                entry.Locked = fast;
                return new Held(this, entry, null, stripeHeld: false);
            }

            var handle = await entry.Lock.AcquireAsync(_options.LockTimeout, cancellationToken).ConfigureAwait(false);
            try
            {
                entry.Locked = await LockJournalAsync(entry, sessionId, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                entry.Lock.Release(handle);
                throw;
            }

            return new Held(this, entry, handle, stripeHeld: true);
        }
        catch
        {
            entry.Gate.Release();
            throw;
        }
    }

    /// <summary>Takes what an append needs without waiting: the session's gate in this process and the record lock of its journal kept
    /// open (checked to be the file at the path); <see langword="false"/> when either is not at hand, and nothing is held then.</summary>
    private bool TryLockForAppendNow(Entry entry, string sessionId, out Held held)
    {
        held = default;
        if (_disposed || !_rootReady || !entry.Gate.Wait(0)) return false;
        try
        {
            if (TryLockKeptJournal(entry, sessionId) is not { } locked)
            {
                entry.Gate.Release();
                return false;
            }

            entry.Locked = locked;
            held = new Held(this, entry, null, stripeHeld: false);
            return true;
        }
        catch
        {
            entry.Gate.Release();
            throw;
        }
    }

    private void EnsureRoot()
    {
        if (_rootReady) return;
        try
        {
            Directory.CreateDirectory(Root);

            // Working folders are also recreated where they are used, so one removed again meanwhile fails nothing here.
            EnsureWorkingFolder(_lockDirectory);
            EnsureWorkingFolder(_tempDirectory);

            // Now rather than at the first listing, whose catalog would otherwise change the root it records the time of.
            EnsureWorkingFolder(CatalogDirectory);
            CleanTemporaryFiles();
            _rootReady = true;
        }
        catch (IOException ex)
        {
            throw new SessionStorageException($"Cannot create the session directory '{Root}': {ex.Message}", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new SessionStorageException($"Cannot create the session directory '{Root}': {ex.Message}", ex);
        }
    }

    /// <summary>Recreates a working folder (see <see cref="FileWorkingFolder"/>); an <see cref="IOException"/> (another process
    /// removing it again meanwhile) is left to the code that uses the folder, which retries.</summary>
    private void EnsureWorkingFolder(string path)
    {
        try
        {
            FileWorkingFolder.Ensure(path, _logger);
        }
        catch (IOException)
        {
        }
    }

    private void CleanTemporaryFiles()
    {
        // Left behind by writers that died before renaming; old enough that no live writer can still own them.
        var cutoff = _timeProvider.GetUtcNow().UtcDateTime - TimeSpan.FromHours(1);
        IEnumerable<FileInfo> files;
        try
        {
            files = new DirectoryInfo(_tempDirectory).EnumerateFiles().ToList();
        }
        catch (IOException)
        {
            // Removed (or replaced) meanwhile: nothing to clean.
            return;
        }

        foreach (var file in files)
        {
            try
            {
                if (file.LastWriteTimeUtc < cutoff) file.Delete();
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private T Guard<T>(string sessionId, Func<T> operation)
    {
        try
        {
            return operation();
        }
        catch (SessionFormatException ex) when (!FileJournal.IsNewerVersion(ex) && ex.Offset is null && ex.SessionId is { } id)
        {
            // The session as a whole cannot be read (its metadata document or journal header): moved aside, listed by
            // ISessionRecovery.ListDamagedAsync and restorable with SalvageAsync. A damaged message record (with an offset) is
            // not: the session stays in place, every other message readable.
            Quarantine(id, ex);
            throw;
        }
        catch (NotRegularFileException ex)
        {
            var format = FileSessionDocument.Invalid(ex.Message, sessionId, ex);
            Quarantine(sessionId, format);
            throw format;
        }
        catch (IOException ex)
        {
            throw new SessionStorageException($"I/O error on session '{sessionId}' in '{Root}': {ex.Message}", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new SessionStorageException($"Access denied to session '{sessionId}' in '{Root}': {ex.Message}", ex);
        }
    }

    private SessionMessage[] AppendLocked(Entry entry, string sessionId, IReadOnlyList<SessionMessage> messages)
    {
        using var journal = OpenJournalLocked(entry, sessionId);
        var handle = journal.Handle;
        var state = LoadState(entry, sessionId, handle, journal.Header, journal.Length, static (self, id) => self.ReadDocument(id)?.Summary, repair: true);
        if (messages.Count == 0) return [];

        // The stripe's buffer and JSON writer are reused from append to append (its gate, which we hold, serializes their use).
        ref var slot = ref _lineWriters[entry.Lock.Index];
        var lines = slot ??= new FileJournal.LineWriter();
        var buffer = lines.Start();
        var appended = new SessionMessage[messages.Count];
        var ends = new int[messages.Count];
        var usage = state.Usage;
        bool checksums = state.Header.Checksums;
        for (int i = 0; i < messages.Count; i++)
        {
            var message = messages[i] with { Sequence = state.Count + i + 1 };
            try
            {
                lines.Write(message, checksums);
            }
            catch (Exception ex) when (StoreRules.IsUnstorableValue(ex))
            {
                lines.Abandon();
                throw StoreRules.Unstorable(ex, nameof(messages));
            }

            ends[i] = buffer.WrittenCount;
            usage = usage.Add(message.Usage);
            appended[i] = message;
        }

        // One positional write of all lines: a crash leaves a prefix, whose torn last line readers ignore.
        WriteBatch(handle, buffer.WrittenSpan, state.Length, sessionId);
        var newState = state with
        {
            Length = state.Length + buffer.WrittenCount,
            Count = state.Count + messages.Count,
            Usage = usage,
            UpdatedAt = _timeProvider.GetUtcNow(),
        };
        entry.State = newState;
        entry.Tail.Extend(state.Header.Generation, state.Length, newState.Length, TailItems(appended.Length, buffer.WrittenSpan, ends), appended.Length);
        if (!lines.Finish())
        {
            lines.Dispose();
            slot = null;
        }
        if (newState.Length - entry.SummaryLength >= _options.SummaryInterval)
        {
            // The append is in the journal: it has happened. The summary is derived data a failure here must not turn into an error
            // (the caller would retry and store the message twice); the next append or reader recomputes it.
            try
            {
                SaveSummaryLocked(entry, sessionId, newState);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SessionStorageException)
            {
                LogSummaryFailed(sessionId, ex);
            }
        }

        return appended;
    }

    /// <summary>Writes an append's lines at the journal's end, all or nothing: when the write (or its flush) fails part-way, as on
    /// a full disk, the journal is cut back to where it was, so a failed batch leaves no message behind.</summary>
    private void WriteBatch(SafeFileHandle handle, ReadOnlySpan<byte> lines, long at, string sessionId)
    {
        try
        {
            RandomAccess.Write(handle, lines, at);
            if (_options.FsyncOnAppend) FlushToDisk(handle);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            try
            {
                RandomAccess.SetLength(handle, at);
            }
            catch (Exception cut) when (cut is IOException or UnauthorizedAccessException)
            {
                // Could not cut it back: the partial lines stay, but without a final newline the last is a torn append readers
                // ignore and the next writer removes; whole lines before it would survive, so say so loudly.
                throw new SessionStorageException($"An append to session '{sessionId}' failed ({ex.Message}) and the journal could not be restored to its previous length ({cut.Message}); some of the batch may remain.", ex);
            }

            throw;
        }
    }

    /// <summary>Captures messages just written for the tail cache as their journal lines, parsed on their first read.</summary>
    /// <remarks>
    /// A read gets exactly what the journal holds, with no question of whether a value read back from JSON equals the one
    /// written from memory; the append only copies the bytes of the lines the cache can hold, in one array.
    /// </remarks>
    private static FileTailCache.Item[] TailItems(int count, ReadOnlySpan<byte> lines, int[] ends)
    {
        int first = Math.Max(0, count - FileTailCache.Capacity);
        int from = first == 0 ? 0 : ends[first - 1];
        var kept = lines[from..].ToArray();
        var items = new FileTailCache.Item[count - first];
        for (int i = first; i < count; i++)
        {
            int start = (i == 0 ? 0 : ends[i - 1]) - from;
            items[i - first] = FileTailCache.Item.FromLine(kept.AsMemory(start, ends[i] - from - 1 - start));
        }

        return items;
    }

    private FileJournalState LoadStateLocked(Entry entry, string sessionId, FileJournalSummary? summary)
    {
        using var journal = OpenJournalLocked(entry, sessionId);
        return LoadState(entry, sessionId, journal.Handle, journal.Header, journal.Length, (_, _) => summary, repair: true);
    }

    /// <summary>Opens the session's journal for an operation holding its lock: on Linux the handle this entry keeps open, once
    /// checked to still be the file at the journal's path; otherwise (or when it is not) a newly opened one.</summary>
    /// <remarks>
    /// Every change of the journal other than an append (replacement, deletion, quarantine) renames or unlinks the path under
    /// the same lock, and an inode cannot be reused while a handle holds it open, so "the path names the inode of the kept
    /// handle" proves the handle writes into the live journal. Its header cannot have changed either: a journal's header is
    /// written once with the file, so the kept one is reused.
    /// </remarks>
    /// <exception cref="SessionNotFoundException">The session does not exist.</exception>
    private OpenedJournal OpenJournalLocked(Entry entry, string sessionId)
    {
        if (entry.Locked is { } locked)
        {
            // Locked and checked to be the file at the path: nobody replaces, deletes or moves it while the lock is held.
            entry.NativeMetaPath ??= FileNative.ToNativePath(MetaPath(sessionId));
            int meta = FileNative.TryStat(entry.NativeMetaPath, out _);
            if (meta > 0 || (meta < 0 && !File.Exists(MetaPath(sessionId)))) throw new SessionNotFoundException(sessionId);
            var header = locked.Header ??= entry.Journal is { } own && ReferenceEquals(own.Handle, locked.Handle) ? own.Header : FileJournal.ReadHeader(locked.Handle, sessionId);
            if (locked.Owned && entry.Journal is null && UseNative && !_disposed && HasRoomForKeptJournal(entry))
            {
                // Kept open for the next operations; the lock no longer closes it.
                Volatile.Write(ref entry.Journal, new KeptJournal(locked.Handle, locked.Identity, header));
                Interlocked.Increment(ref _keptJournals);
                locked.Owned = false;
            }

            // The length the path's stat gave right after the lock was taken (nothing has written since), once; else asked anew.
            long length = locked.TakeLength();
            if (length < 0) length = FileNative.TryStat(locked.Handle, out var now) == 0 ? now.Length : RandomAccess.GetLength(locked.Handle);
            return new OpenedJournal(locked.Handle, header, length, owned: false);
        }

        if (entry.Journal is { } kept)
        {
            entry.NativeJournalPath ??= FileNative.ToNativePath(JournalPath(sessionId));
            entry.NativeMetaPath ??= FileNative.ToNativePath(MetaPath(sessionId));
            if (FileNative.TryStat(entry.NativeJournalPath, out var current) == 0 && current.IsSameFile(kept.Identity))
            {
                int meta = FileNative.TryStat(entry.NativeMetaPath, out _);
                if (meta == 0) return new OpenedJournal(kept.Handle, kept.Header, current.Length, owned: false);

                // File.Exists says no on any error too; only an unavailable native call is left to the managed check below.
                if (meta > 0) throw new SessionNotFoundException(sessionId);
            }

            // Replaced, deleted or moved aside by another instance (or undecidable): never write through the old handle.
            CloseJournal(entry);
        }

        if (!File.Exists(MetaPath(sessionId))) throw new SessionNotFoundException(sessionId);
        var handle = OpenJournal(sessionId, FileAccess.ReadWrite);
        try
        {
            var header = FileJournal.ReadHeader(handle, sessionId);
            if (UseNative && !_disposed && HasRoomForKeptJournal(entry) && FileNative.TryStat(handle, out var identity) == 0)
            {
                Volatile.Write(ref entry.Journal, new KeptJournal(handle, identity, header));
                Interlocked.Increment(ref _keptJournals);
                return new OpenedJournal(handle, header, identity.Length, owned: false);
            }

            return new OpenedJournal(handle, header, RandomAccess.GetLength(handle), owned: true);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Closes the journal an entry keeps open, if any; the caller holds the entry's lock.</summary>
    private void CloseJournal(Entry entry)
    {
        if (entry.CloseJournal()) Interlocked.Decrement(ref _keptJournals);
    }

    /// <summary>Returns whether one more journal may be kept open, first closing some kept by idle sessions when the limit is reached.</summary>
    /// <remarks>
    /// Bounds the file descriptors a process touching many sessions holds. Only entries whose lock is free right now (or is the
    /// caller's own stripe, which it holds) are trimmed, so no operation loses its handle mid-use; a trimmed session simply
    /// reopens its journal on its next operation. The caller holds <paramref name="current"/>'s lock.
    /// </remarks>
    private bool HasRoomForKeptJournal(Entry current)
    {
        int limit = _options.KeptJournalLimit;
        if (Volatile.Read(ref _keptJournals) < limit) return true;
        int closed = 0;
        foreach (var (_, other) in _entries)
        {
            if (closed >= Math.Max(1, limit / 4)) break;
            if (ReferenceEquals(other, current) || other.Journal is null) continue;

            // Never waits while holding a gate: no lock-order problem between stripes.
            bool held = ReferenceEquals(other.Lock, current.Lock);
            if (!held && !other.Gate.Wait(0)) continue;
            try
            {
                if (other.Journal is not null)
                {
                    CloseJournal(other);
                    closed++;
                }
            }
            finally
            {
                if (!held) other.Gate.Release();
            }
        }

        return Volatile.Read(ref _keptJournals) < limit;
    }

    /// <summary>Brings the journal's state up to date: from the cache or the summary when they still hold, scanning only what was appended since.</summary>
    /// <param name="entry">The session's entry in this process, if any: its cached state is used and updated.</param>
    /// <param name="sessionId">The session.</param>
    /// <param name="handle">The journal.</param>
    /// <param name="header">The journal's header, read from <paramref name="handle"/>.</param>
    /// <param name="fileLength">The journal's length now.</param>
    /// <param name="summary">Reads the saved summary; called only when the cached state does not hold.</param>
    /// <param name="repair">Whether to truncate a torn tail (only under the session's lock).</param>
    private FileJournalState LoadState(Entry? entry, string sessionId, SafeFileHandle handle, FileJournalHeader header, long fileLength, Func<FileSessionStorage, string, FileJournalSummary?> summary, bool repair)
    {
        FileJournalState? start = null;
        if (entry?.State is { } cached && cached.Header.Generation == header.Generation && cached.Length <= fileLength)
        {
            start = cached;
        }
        else if (summary(this, sessionId) is { } s && s.Generation == header.Generation && s.Length >= header.Length && s.Length <= fileLength
            && SummaryHolds(handle, header, s, sessionId))
        {
            start = new FileJournalState(header, s.Length, s.Count, s.Usage, s.UpdatedAt);
            if (entry is not null) entry.SummaryLength = s.Length;
        }

        start ??= new FileJournalState(header, header.Length, 0, header.BaseUsage, header.CreatedAt);
        if (start.Length == fileLength)
        {
            if (entry is not null) entry.State = start;
            return start;
        }

        long count = start.Count;
        var usage = start.Usage;
        bool checksums = header.Checksums;
        long validEnd = FileJournal.ForEachLine(handle, start.Length, fileLength, (line, offset) =>
        {
            count++;
            try
            {
                usage = usage.Add(FileJournal.ReadLineUsage(line, sessionId, checksums));
            }
            catch (SessionFormatException ex) when (!FileJournal.IsNewerVersion(ex))
            {
                // A damaged record still holds its place (its sequence); the others stay readable and appendable. Reading it
                // reports it, and ISessionRecovery salvages the rest.
                LogDamagedRecord(sessionId, count, offset, ex.Message);
            }
        });
        var updatedAt = start.UpdatedAt;
        if (count != start.Count)
        {
            var written = new DateTimeOffset(File.GetLastWriteTimeUtc(handle), TimeSpan.Zero);
            if (written > updatedAt) updatedAt = written;
        }

        if (repair && validEnd < fileLength)
        {
            // A writer died mid-append (we hold the lock, so none is in flight): drop the torn fragment.
            LogTornTail(sessionId, fileLength - validEnd);
            RandomAccess.SetLength(handle, validEnd);
            if (_options.FsyncOnAppend) FlushToDisk(handle);
        }

        var state = new FileJournalState(header, validEnd, count, usage, updatedAt);
        if (entry is not null) entry.State = state;
        return state;
    }

    /// <summary>Checks a summary read from the metadata document against the journal before counts and sequences are taken from it:
    /// it must end on a line boundary whose last record is intact and has the summary's count as its sequence.</summary>
    /// <remarks>The document is valid JSON anyone can edit; a wrong count would make the next append reuse sequences.</remarks>
    private static bool SummaryHolds(SafeFileHandle handle, FileJournalHeader header, FileJournalSummary summary, string sessionId)
    {
        if (summary.Count < 0 || summary.InitialCount < 0) return false;
        if (summary.Count == 0) return summary.Length == header.Length;
        if (summary.Length <= header.Length) return false;
        bool holds = false;
        FileJournal.ReadLastLines(handle, header.Length, summary.Length, 1, (int)Math.Min(int.MaxValue, (summary.Length - header.Length) / summary.Count), (line, offset) =>
        {
            holds = offset + line.Length + 1 == summary.Length
                && FileJournal.CheckRecord(line, header.Checksums) is null
                && FileJournal.TryReadSequence(line) == summary.Count;
        });
        _ = sessionId;
        return holds;
    }

    private SafeFileHandle OpenJournal(string sessionId, FileAccess access)
    {
        EnsureRegularFile(JournalPath(sessionId), sessionId);
        try
        {
            return File.OpenHandle(JournalPath(sessionId), FileMode.Open, access, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (FileNotFoundException) when (File.Exists(MetaPath(sessionId)))
        {
            throw FileSessionDocument.Invalid("the metadata document exists but the message journal is missing", sessionId);
        }
        catch (FileNotFoundException)
        {
            throw new SessionNotFoundException(sessionId);
        }
        catch (DirectoryNotFoundException)
        {
            throw new SessionNotFoundException(sessionId);
        }
    }

    /// <summary>Writes a whole new journal and renames it into place, locked (when record locks are available) before the rename so
    /// it is born held by this operation (see <see cref="LockJournalAsync"/>).</summary>
    /// <param name="entry">The session's entry, which holds the new journal's lock until the operation ends.</param>
    /// <param name="sessionId">The session.</param>
    /// <param name="header">The header.</param>
    /// <param name="messages">The messages, numbered from 1.</param>
    /// <param name="baseUsage">The usage carried over.</param>
    /// <exception cref="SessionAlreadyExistsException">No journal was held and another writer put one in place meanwhile.</exception>
    private FileJournalState WriteNewJournal(Entry entry, string sessionId, FileJournalHeader header, IReadOnlyList<SessionMessage> messages, SessionUsage baseUsage)
    {
        // One JSON writer for every line (a whole import can be tens of thousands of them), as appends do.
        using var lines = new FileJournal.LineWriter((int)Math.Min(64L * 1024 * 1024, 1024 + (512L * messages.Count)));
        var buffer = lines.Start();
        FileJournal.WriteHeader(buffer, header);
        int headerLength = buffer.WrittenCount;
        var usage = baseUsage;
        for (int i = 0; i < messages.Count; i++)
        {
            var message = messages[i] with { Sequence = i + 1 };
            try
            {
                lines.Write(message, header.Checksums);
            }
            catch (Exception ex) when (StoreRules.IsUnstorableValue(ex))
            {
                throw StoreRules.Unstorable(ex, nameof(messages));
            }

            usage = usage.Add(message.Usage);
        }

        var written = header with { Length = headerLength };

        // Over the journal this operation holds locked; else only where no file is, so two creators cannot both succeed.
        bool replace = entry.Locked is not null || !RecordLocksAvailable;
        SafeFileHandle? handle;
        try
        {
            handle = WriteAtomically(JournalPath(sessionId), buffer.WrittenSpan, durableRename: true, replace, keepLocked: RecordLocksAvailable);
        }
        catch (IOException) when (!replace && File.Exists(JournalPath(sessionId)))
        {
            throw new SessionAlreadyExistsException(sessionId);
        }

        HoldNewJournal(entry, handle, written);
        return new FileJournalState(written, buffer.WrittenCount, messages.Count, usage, header.CreatedAt);
    }

    /// <param name="sessionId">The session.</param>
    /// <param name="document">The new document.</param>
    /// <param name="durableRename">Whether, in durable mode, the rename itself must survive a power loss (see <see cref="WriteAtomically"/>).</param>
    private int WriteDocument(string sessionId, FileSessionDocument document, bool durableRename = true)
    {
        var bytes = document.Serialize();
        _ = WriteAtomically(MetaPath(sessionId), bytes, durableRename);
        return bytes.Length;
    }

    /// <summary>Replaces a file through a temporary file and a rename, so readers see the old or the new content, never a mix.</summary>
    /// <remarks>
    /// In durable mode the content is flushed before the rename, so a power loss leaves the old file or the complete new one,
    /// never an empty one. The directory is flushed after it too unless <paramref name="durableRename"/> is false: for a write
    /// whose loss only brings the old, still valid file back (a summary refresh), which spares an fsync.
    /// </remarks>
    /// <param name="path">The file to replace.</param>
    /// <param name="content">Its new content.</param>
    /// <param name="durableRename">See above.</param>
    /// <param name="replace">Whether a file already at <paramref name="path"/> is replaced; when not, the move fails with an <see cref="IOException"/>.</param>
    /// <param name="keepLocked">Whether to take the journal record lock on the new file before it is moved into place and return its handle, still locked.</param>
    /// <returns>The new file's handle, record-locked, when <paramref name="keepLocked"/> (and the lock could be taken); otherwise <see langword="null"/>.</returns>
    private SafeFileHandle? WriteAtomically(string path, ReadOnlySpan<byte> content, bool durableRename = true, bool replace = true, bool keepLocked = false)
    {
        string temp = Path.Combine(_tempDirectory, Path.GetFileName(path) + "." + FileJournal.NewGeneration()[..12] + ".tmp");
        SafeFileHandle? kept = null;
        try
        {
            // A journal kept open must not hold .NET's exclusive flock (FileShare.None), which would make readers' opens fail.
            var access = keepLocked ? FileAccess.ReadWrite : FileAccess.Write;
            var share = keepLocked ? FileShare.ReadWrite | FileShare.Delete : FileShare.None;
            SafeFileHandle created;
            for (int attempt = 0; ; attempt++)
            {
                try
                {
                    created = File.OpenHandle(temp, FileMode.CreateNew, access, share);
                    break;
                }
                catch (IOException) when (attempt < 8 && !Directory.Exists(_tempDirectory))
                {
                    // .tmp/ was removed or replaced behind the store's back: a working folder, recreated rather than failing until a
                    // restart (again if it goes again meanwhile).
                    EnsureWorkingFolder(_tempDirectory);
                }
            }

            kept = created;
            if (!keepLocked || FileNative.TryLockRecordExclusive(created) != 0) keepLocked = false;
            RandomAccess.Write(created, content, 0);
            if (_options.FsyncOnAppend) FlushToDisk(created);
            if (!keepLocked)
            {
                kept = null;
                created.Dispose();
            }

            File.Move(temp, path, overwrite: replace);
            if (_options.FsyncOnAppend && durableRename) FlushDirectory(Root);
            return kept;
        }
        catch
        {
            kept?.Dispose();
            try
            {
                File.Delete(temp);
            }
            catch (IOException)
            {
            }

            throw;
        }
    }

    private FileSessionDocument? ReadDocument(string sessionId)
    {
        var bytes = ReadSmallFile(MetaPath(sessionId));
        return bytes is null ? null : FileSessionDocument.Parse(bytes.Value.Span, sessionId);
    }

    private static ReadOnlyMemory<byte>? ReadSmallFile(string path)
    {
        if (FileNative.TryReadSmallFile(path, out var native)) return native;
        SafeFileHandle handle;
        try
        {
            EnsureRegularFile(path, string.Empty);
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }

        using (handle)
        {
            byte[] buffer = new byte[4096];
            int filled = 0;
            while (true)
            {
                int n = RandomAccess.Read(handle, buffer.AsSpan(filled), filled);
                filled += Math.Max(n, 0);

                // A short read of a regular file is its end: spares the second read that would return 0.
                if (n <= 0 || filled < buffer.Length) return buffer.AsMemory(0, filled);
                Array.Resize(ref buffer, buffer.Length * 2);
            }
        }
    }

    private SessionInfo? Load(string sessionId, FileStat? journalStat)
    {
        var bytes = ReadSmallFile(MetaPath(sessionId));
        if (bytes is null) return null;
        var document = FileSessionDocument.Parse(bytes.Value.Span, sessionId);
        if (journalStat is { } stat && document.Summary is { } summary && summary.Length == stat.Length && summary.LastWriteTicks == stat.LastWriteTicks)
        {
            // The journal has not changed since the summary was taken: no need to open it.
            var header = new FileJournalHeader(sessionId, summary.Generation, summary.Version, summary.UpdatedAt, SessionUsage.Empty) { SchemaVersion = summary.SchemaVersion, InitialCount = summary.InitialCount };
            return Compose(document, new FileJournalState(header, summary.Length, summary.Count, summary.Usage, summary.UpdatedAt), bytes.Value.Length);
        }

        SafeFileHandle handle;
        try
        {
            handle = OpenJournal(sessionId, FileAccess.Read);
        }
        catch (SessionNotFoundException)
        {
            return null;
        }

        using (handle)
        {
            _entries.TryGetValue(sessionId, out var entry);
            var header = FileJournal.ReadHeader(handle, sessionId);
            var state = LoadState(entry, sessionId, handle, header, RandomAccess.GetLength(handle), (_, _) => document.Summary, repair: false);
            return Compose(document, state, bytes.Value.Length);
        }
    }

    private List<SessionMessage> ReadMessages(string sessionId, MessageRange range)
    {
        if (!File.Exists(MetaPath(sessionId))) throw new SessionNotFoundException(sessionId);
        if (range.FromEnd && range.Take is > 0 and { } recent && TryReadKeptTail(sessionId, range.Skip, recent, out var kept)) return kept;
        using var handle = OpenJournal(sessionId, FileAccess.Read);
        var header = FileJournal.ReadHeader(handle, sessionId);
        long fileLength = RandomAccess.GetLength(handle);
        if (range.Take == 0) return [];
        if (range.FromEnd && range.Take is { } take)
        {
            var entry = GetEntry(sessionId);
            if (entry.Tail.TryGet(header.Generation, fileLength, range.Skip, take, sessionId, out var cached)) return cached;
            int wanted = (int)Math.Min(int.MaxValue, (long)range.Skip + take);
            var tail = new List<SessionMessage>(Math.Min(wanted, 1024));
            bool cache = range.Skip == 0 && take <= FileTailCache.Capacity;
            var items = cache ? new List<FileTailCache.Item>(take) : null;
            long firstOffset = -1, endOffset = -1;
            int keep = 0;
            (int Index, long Offset, SessionFormatException Error)? damaged = null;
            (int Index, long Sequence)? known = null;
            FileJournal.ReadLastLines(handle, header.Length, fileLength, wanted, LineEstimate(sessionId, header), (line, offset) =>
            {
                // Lines arrive oldest first; only the first Take of them are returned (the last Skip are dropped below).
                if (keep++ >= take) return;
                SessionMessage message;
                try
                {
                    message = ParseMessage(line, sessionId, header.Checksums, null, offset);
                }
                catch (SessionFormatException ex) when (ex.Offset is not null && !FileJournal.IsNewerVersion(ex))
                {
                    // Named below, once a neighbour's sequence tells which one it is.
                    damaged ??= (keep - 1, offset, ex);
                    items = null;
                    return;
                }

                known ??= (keep - 1, message.Sequence);
                if (damaged is not null) return;
                tail.Add(message);
                if (items is null) return;
                if (firstOffset < 0) firstOffset = offset;
                endOffset = offset + line.Length + 1;
                items.Add(FileTailCache.Item.From(message, line));
            });
            if (damaged is { } bad)
            {
                long? sequence = known is { } k ? k.Sequence + (bad.Index - k.Index) : bad.Error.Sequence;
                throw DamagedRecord(sessionId, sequence, bad.Offset, bad.Error.InnerException?.Message ?? "checksum or JSON damaged", bad.Error.InnerException);
            }

            if (items is not null)
            {
                if (items.Count == 0) entry.Tail.Store(header.Generation, fileLength, fromStart: fileLength == header.Length, items);
                else entry.Tail.Store(header.Generation, endOffset, fromStart: firstOffset == header.Length, items);
            }

            int available = keep - range.Skip;
            if (available <= 0) return [];
            if (available < tail.Count) tail.RemoveRange(available, tail.Count - available);
            return tail;
        }

        if (!range.FromEnd) return ReadForward(sessionId, handle, header, fileLength, range.Skip, range.Take ?? int.MaxValue);
        var messages = new List<SessionMessage>();
        long index = 0;
        FileJournal.ForEachLine(handle, header.Length, fileLength, (line, offset) =>
        {
            index++;
            messages.Add(ParseMessage(line, sessionId, header.Checksums, index, offset));
        });
        if (range.FromEnd)
        {
            // Everything but the last Skip messages (Take is null here).
            messages.RemoveRange(Math.Max(0, messages.Count - range.Skip), Math.Min(messages.Count, range.Skip));
        }

        return messages;
    }

    /// <summary>Reads <paramref name="take"/> messages from position <paramref name="skip"/> on: seeks to the nearest point the
    /// session's offset index knows at or before it (checked: it must start a line holding the expected, intact record), splits
    /// lines without parsing up to the first wanted one, parses and checks each wanted record, and stops after the last.</summary>
    private List<SessionMessage> ReadForward(string sessionId, SafeFileHandle handle, FileJournalHeader header, long fileLength, int skip, int take)
    {
        var messages = new List<SessionMessage>(Math.Min(take, 1024));
        ForEachForward(sessionId, handle, header, fileLength, skip, take, (line, offset, sequence) =>
            messages.Add(ParseMessage(line, sessionId, header.Checksums, sequence, offset)));
        return messages;
    }

    /// <summary>A record visited by <see cref="ForEachForward"/>: its line (without newline), where it starts, and its sequence by position.</summary>
    private delegate void ForwardRecord(ReadOnlySpan<byte> line, long offset, long sequence);

    /// <summary>Visits <paramref name="take"/> records from position <paramref name="skip"/> on, unparsed: seeks to the nearest
    /// point the session's offset index knows at or before it (checked: it must start a line holding the expected, intact record),
    /// splits lines without parsing up to the first wanted one, and stops after the last.</summary>
    /// <returns>How many records were visited.</returns>
    private int ForEachForward(string sessionId, SafeFileHandle handle, FileJournalHeader header, long fileLength, int skip, int take, ForwardRecord record)
    {
        var offsets = GetEntry(sessionId).Offsets;
        string generation = header.Generation;
        var (position, from) = offsets.Seek(generation, skip, header.Length, fileLength);
        if (position > 0)
        {
            // From the byte before the point: it must be a newline (an empty first "line"), and the record at the point must be
            // intact with sequence position + 1. Anything else means the index is wrong for this file: forget it and scan.
            bool valid = false;
            int seen = 0;
            FileJournal.ForEachLine(handle, from - 1, fileLength, (line, _) =>
            {
                if (seen++ == 0) return line.IsEmpty;
                valid = FileJournal.CheckRecord(line, header.Checksums) is null && FileJournal.TryReadSequence(line) == position + 1;
                return false;
            }, firstRead: 4096);
            if (!valid)
            {
                offsets.Clear();
                _ = offsets.Seek(generation, 0, header.Length, fileLength);
                (position, from) = (0, header.Length);
            }
        }

        // About as many bytes as the wanted lines take, when this process knows the session's average line length.
        long wantedLines = (skip - position) + Math.Min(take, 100_000L) + 1;
        int firstRead = (int)Math.Clamp(wantedLines * LineEstimate(sessionId, header), 4096, 1024 * 1024);
        long next = position;
        long nextOffset = from;
        int visited = 0;
        FileJournal.ForEachLine(handle, from, fileLength, (line, offset) =>
        {
            long at = next++;
            nextOffset = offset + line.Length + 1;
            offsets.Record(generation, at, offset);
            if (at < skip) return true;
            record(line, offset, at + 1);
            return ++visited < take;
        }, firstRead);
        offsets.SetCursor(generation, next, nextOffset);
        return visited;
    }

    /// <summary>
    /// Serves the last messages from the tail cache without opening the journal, when this process keeps the journal open and
    /// one <c>statx</c> of its path shows the same file (so the same generation) at the length the cache holds.
    /// </summary>
    /// <remarks>
    /// No lock: the kept journal is read, the path is stat'ed, and the kept journal is read again. Still the same object means
    /// its handle was open the whole time, so the inode the path named could not have been freed and reused in between.
    /// </remarks>
    private bool TryReadKeptTail(string sessionId, int skip, int take, out List<SessionMessage> messages)
    {
        messages = null!;
        if (!_entries.TryGetValue(sessionId, out var entry) || Volatile.Read(ref entry.Journal) is not { } kept)
        {
            return false;
        }

        // Set by writers under the lock too; racing them here is harmless (the same bytes either way).
        var path = Volatile.Read(ref entry.NativeJournalPath) ?? (entry.NativeJournalPath = FileNative.ToNativePath(JournalPath(sessionId)));
        if (FileNative.TryStat(path, out var current) != 0 || !current.IsSameFile(kept.Identity) || !ReferenceEquals(Volatile.Read(ref entry.Journal), kept))
        {
            return false;
        }

        return entry.Tail.TryGet(kept.Header.Generation, current.Length, skip, take, sessionId, out messages);
    }

    /// <summary>The average message line length this process knows of for a session, to size tail reads.</summary>
    private int LineEstimate(string sessionId, FileJournalHeader header)
    {
        if (_entries.TryGetValue(sessionId, out var entry) && entry.State is { Count: > 0 } state && state.Header.Generation == header.Generation)
        {
            return (int)Math.Min(int.MaxValue, (state.Length - header.Length) / state.Count);
        }

        return 1024;
    }

    /// <summary>Parses a message line after checking its checksum.</summary>
    /// <param name="line">The line.</param>
    /// <param name="sessionId">The session.</param>
    /// <param name="checksums">Whether the journal's schema requires checksums.</param>
    /// <param name="sequence">The record's sequence when the caller knows it from its position.</param>
    /// <param name="offset">Where the line starts in the journal.</param>
    /// <exception cref="SessionFormatException">The record is damaged (naming session, sequence and offset) or newer than this library.</exception>
    private SessionMessage ParseMessage(ReadOnlySpan<byte> line, string sessionId, bool checksums, long? sequence, long offset)
    {
        string? damage = FileJournal.CheckRecord(line, checksums);
        if (damage is null)
        {
            try
            {
                return SessionJson.DeserializeMessage(line, sessionId);
            }
            catch (SessionFormatException ex) when (!FileJournal.IsNewerVersion(ex))
            {
                throw DamagedRecord(sessionId, sequence ?? FileJournal.TryReadSequence(line), offset, ex.Message, ex);
            }
        }

        // A record of a newer format (whose checksum this library may not know how to check) is reported as such, never as damage.
        try
        {
            SessionJson.DeserializeMessage(line, sessionId);
        }
        catch (SessionFormatException ex) when (FileJournal.IsNewerVersion(ex))
        {
            throw new SessionFormatException(ex.Message, sessionId, sequence ?? FileJournal.TryReadSequence(line), offset, ex);
        }
        catch (SessionFormatException)
        {
        }

        throw DamagedRecord(sessionId, sequence, offset, damage, null);
    }

    private SessionFormatException DamagedRecord(string sessionId, long? sequence, long offset, string what, Exception? inner)
    {
        LogDamagedRecord(sessionId, sequence ?? -1, offset, what);
        string which = sequence is { } seq ? $"sequence {seq}" : "unknown sequence";
        return new SessionFormatException(
            $"Session '{sessionId}': the message record with {which} at byte offset {offset} of '{sessionId}{JournalSuffix}' is damaged ({what}). "
            + "The session's other messages stay readable; ISessionRecovery.SalvageAsync keeps every readable message and sets the damaged record aside.",
            sessionId,
            sequence,
            offset,
            inner);
    }

    /// <summary>Checks that a store path is not a symbolic link, directory or special file before it is opened.</summary>
    /// <exception cref="NotRegularFileException">It is.</exception>
    private static void EnsureRegularFile(string path, string sessionId)
    {
        _ = sessionId;
        if (FileNative.IsAvailable)
        {
            int error = FileNative.TryLinkMode(FileNative.ToNativePath(path), out int mode);
            if (error == 0 && (mode & FileNative.TypeMask) != FileNative.RegularFile) throw new NotRegularFileException(path, FileNative.Describe(mode));
            if (error >= 0) return;
        }

        var info = new FileInfo(path);
        if (info.LinkTarget is not null) throw new NotRegularFileException(path, "a symbolic link");
        if (Directory.Exists(path)) throw new NotRegularFileException(path, "a directory");
    }

    private void SaveSummaryLocked(Entry entry, string sessionId, FileJournalState state)
    {
        var document = ReadDocument(sessionId);
        if (document is null) return;
        var updated = document with { Summary = state.ToSummary(LastWriteTicks(JournalPath(sessionId))) };

        // Only the summary changes, a cache that readers check against the journal: losing this rename to a power cut is harmless.
        WriteDocument(sessionId, updated, durableRename: false);
        entry.SummaryLength = state.Length;
    }

    private void SaveSummaries()
    {
        foreach (var (sessionId, entry) in _entries)
        {
            if (entry.State is not { } state || state.Length == entry.SummaryLength) continue;
            try
            {
                if (!entry.Gate.Wait(_options.LockTimeout)) continue;
                try
                {
                    var handle = entry.Lock.Acquire(_options.LockTimeout);
                    try
                    {
                        entry.Locked = LockJournal(entry, sessionId);
                        using var journal = OpenJournalLocked(entry, sessionId);
                        var current = LoadState(entry, sessionId, journal.Handle, journal.Header, journal.Length, static (_, _) => null, repair: true);
                        SaveSummaryLocked(entry, sessionId, current);
                    }
                    finally
                    {
                        ReleaseJournalLocks(entry);
                        entry.Lock.Release(handle);
                    }
                }
                finally
                {
                    entry.Gate.Release();
                }
            }
            catch (SessionNotFoundException)
            {
                // Deleted by another instance since this one last wrote it: nothing to summarize.
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SessionsException)
            {
                // The summary is only a cache; the next reader recomputes it from the journal.
                LogSummaryFailed(sessionId, ex);
            }
        }
    }

    /// <summary>Closes the journals and lock files kept open, each under its stripe's gate so no operation still uses it.</summary>
    private void CloseHandles()
    {
        foreach (var stripe in _stripes)
        {
            if (stripe is null) continue;
            bool entered = stripe.Gate.Wait(_options.LockTimeout);
            try
            {
                foreach (var (_, entry) in _entries)
                {
                    if (ReferenceEquals(entry.Lock, stripe)) CloseJournal(entry);
                }

                stripe.Dispose();
            }
            finally
            {
                if (entered) stripe.Gate.Release();
            }
        }
    }

    private void Quarantine(string sessionId, SessionFormatException reason)
    {
        try
        {
            string target = Path.Combine(_quarantineDirectory, sessionId + "-" + _timeProvider.GetUtcNow().ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture) + "-" + FileJournal.NewGeneration()[..6]);
            Directory.CreateDirectory(target);
            File.WriteAllText(Path.Combine(target, ReasonFileName), reason.Message);
            foreach (var path in new[] { MetaPath(sessionId), JournalPath(sessionId) })
            {
                if (File.Exists(path)) File.Move(path, Path.Combine(target, Path.GetFileName(path)));
            }

            if (_entries.TryGetValue(sessionId, out var entry))
            {
                entry.State = null;
                entry.SummaryLength = -1;
                entry.Tail.Clear();
            }

            LogQuarantined(sessionId, target, reason);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogQuarantineFailed(sessionId, ex);
        }
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Session '{SessionId}' is damaged and was moved to '{Target}'.")]
    private partial void LogQuarantined(string sessionId, string target, Exception reason);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Error, Message = "Session '{SessionId}' is damaged but could not be moved to the quarantine.")]
    private partial void LogQuarantineFailed(string sessionId, Exception reason);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "Session '{SessionId}': dropped a torn append of {Bytes} bytes left by a writer that stopped mid-write.")]
    private partial void LogTornTail(string sessionId, long bytes);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Error, Message = "Session '{SessionId}': the message record with sequence {Sequence} at byte offset {Offset} is damaged ({Reason}); the other messages stay readable. ISessionRecovery.SalvageAsync keeps them and sets the record aside.")]
    private partial void LogDamagedRecord(string sessionId, long sequence, long offset, string reason);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Debug, Message = "Session '{SessionId}': could not save the journal summary; readers will recompute it.")]
    private partial void LogSummaryFailed(string sessionId, Exception reason);

    /// <summary>Per-session state within this process: its lock stripe (whose gate serializes its writers), the cached journal
    /// state, and on Linux the journal kept open between operations.</summary>
    private sealed class Entry(FileSessionLock stripe)
    {
        public FileSessionLock Lock { get; } = stripe;

        public SemaphoreSlim Gate => Lock.Gate;

        public volatile FileJournalState? State;

        public long SummaryLength = -1;

        public FileTailCache Tail { get; } = new();

        /// <summary>Gets where the journal's messages start, as far as forward reads have learned it.</summary>
        public FileOffsetIndex Offsets { get; } = new();

        /// <summary>The journal kept open; read and replaced only under the session's lock.</summary>
        public KeptJournal? Journal;

        /// <summary>The journal lock the running operation holds (under the gate), if any.</summary>
        public JournalLock? Locked;

        public byte[]? NativeJournalPath;

        public byte[]? NativeMetaPath;

        /// <returns>Whether a journal was kept open.</returns>
        public bool CloseJournal()
        {
            if (Journal is not { } kept) return false;

            // Unpublished before the handle closes: a lock-free reader that still sees it knows the inode was held open.
            Volatile.Write(ref Journal, null);

            // The running operation's journal lock lives on this handle: it closes it when the operation ends, not now.
            if (Locked is { } locked && ReferenceEquals(locked.Handle, kept.Handle)) locked.Owned = true;
            else kept.Handle.Dispose();
            return true;
        }
    }

    /// <summary>A journal kept open: its handle, which file it is, and its header (written once with the file).</summary>
    private sealed record KeptJournal(SafeFileHandle Handle, FileIdentity Identity, FileJournalHeader Header);

    /// <summary>The journal an operation under the lock works on; disposes the handle only when it is not the one kept open.</summary>
    private readonly struct OpenedJournal(SafeFileHandle handle, FileJournalHeader header, long length, bool owned) : IDisposable
    {
        public SafeFileHandle Handle => handle;

        public FileJournalHeader Header => header;

        public long Length => length;

        public void Dispose()
        {
            if (owned) handle.Dispose();
        }
    }

    /// <summary>Holds the in-process gate, the stripe lock and the journal lock until disposed.</summary>
    private readonly struct Held(FileSessionStorage storage, Entry entry, SafeFileHandle? handle, bool stripeHeld) : IDisposable
    {
        public void Dispose()
        {
            try
            {
                storage.ReleaseJournalLocks(entry);
            }
            finally
            {
                if (stripeHeld) entry.Lock.Release(handle);
                entry.Gate.Release();
            }
        }
    }
}

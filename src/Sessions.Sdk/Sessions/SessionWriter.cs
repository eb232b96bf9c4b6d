using System.Buffers;
using System.Diagnostics.CodeAnalysis;

namespace Sessions.Sdk;

/// <summary>One open session's persistence: appends, metadata updates with optimistic concurrency, replacement, the autosave buffer and flushing.</summary>
/// <remarks>
/// Thread-safe. Writes go through one gate in call order; <see cref="Info"/> includes unsaved changes.
/// Chat, plan and edit sessions share it: it knows nothing about models.
/// It keeps the newest stored messages it appended or read (<see cref="TryCopyRecent"/>), so a model turn builds its context
/// without reading storage. The cache is trusted only while the store's sequences continue it: an append that lands after
/// another writer's gets a later sequence and drops the cache, so the next context is read from storage again.
/// </remarks>
[SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "The SemaphoreSlims never allocate a wait handle (AvailableWaitHandle is not used).")]
internal sealed class SessionWriter
{
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly Lock _stateLock = new();

    // The last stored information, plus unsaved metadata changes when autosave is off. Written only under _writeGate.
    // Appends since it was last materialized are summed in _appended (guarded by _stateLock) and folded in when read.
    private SessionInfo _info;
    private AppendedTotals _appended;
    private bool _metadataDirty;

    // Messages appended while autosave is off, not yet in storage; guarded by _stateLock.
    private List<SessionMessage>? _pending;
    private volatile bool _autosave;

    // The newest stored messages this writer appended or read; guarded by _stateLock. Valid only while the store's epoch is unchanged.
    private readonly RecentMessages _recent = new();
    private readonly System.Runtime.CompilerServices.StrongBox<long> _epoch;

    public SessionWriter(ISessionStorage storage, TimeProvider timeProvider, SessionInfo info, bool autosave)
    {
        Storage = storage;
        TimeProvider = timeProvider;
        _info = info;
        _autosave = autosave;
        _epoch = StorageEpochs.For(storage);
    }

    /// <summary>Gets the storage the session lives in.</summary>
    public ISessionStorage Storage { get; }

    /// <summary>Gets the clock for timestamps.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>Gets the gate that serializes model turns on one open session (a reply is stored right after its prompt).</summary>
    public SemaphoreSlim TurnGate { get; } = new(1, 1);

    /// <summary>Gets the session id.</summary>
    public string Id => _info.Id;

    /// <summary>Gets the last stored information, without unsaved messages.</summary>
    public SessionInfo StoredInfo
    {
        get
        {
            lock (_stateLock)
            {
                return Materialized();
            }
        }
    }

    /// <summary>Gets the information without folding in this writer's latest appends: metadata (system prompt, provider, model, title…) is current; counts, usage and <see cref="SessionInfo.UpdatedAt"/> may lag.</summary>
    /// <remarks>For the per-turn reads of a model turn, which need the metadata only.</remarks>
    public SessionInfo Metadata => Volatile.Read(ref _info);

    /// <summary>Gets or sets a value indicating whether every change is persisted before the call returns.</summary>
    public bool Autosave
    {
        get => _autosave;
        set => _autosave = value;
    }

    /// <summary>Gets the information including unsaved changes.</summary>
    public SessionInfo Info
    {
        get
        {
            lock (_stateLock)
            {
                var info = Materialized();
                if (_pending is not { Count: > 0 } pending)
                {
                    return info;
                }

                var usage = info.Usage;
                foreach (var message in pending)
                {
                    usage = usage.Add(message.Usage);
                }

                return info with { MessageCount = info.MessageCount + pending.Count, UpdatedAt = pending[^1].Timestamp, Usage = usage };
            }
        }
    }

    /// <summary>Gets a value indicating whether there are buffered changes.</summary>
    public bool HasUnsavedChanges
    {
        get
        {
            lock (_stateLock)
            {
                return _metadataDirty || _pending is { Count: > 0 };
            }
        }
    }

    /// <summary>Wraps a chat message as a new session message stamped now.</summary>
    public SessionMessage NewMessage(Microsoft.Extensions.AI.ChatMessage message) => new() { Message = message, Timestamp = TimeProvider.GetUtcNow() };

    /// <summary>Appends messages (buffered when autosave is off); they stay contiguous.</summary>
    public async ValueTask<IReadOnlyList<SessionMessage>> AppendAsync(IReadOnlyList<SessionMessage> messages, CancellationToken cancellationToken)
    {
        if (messages.Count == 0)
        {
            return [];
        }

        if (!_autosave)
        {
            lock (_stateLock)
            {
                _pending ??= [];
                long next = Materialized().MessageCount + _pending.Count + 1;
                var provisional = new SessionMessage[messages.Count];
                for (int i = 0; i < messages.Count; i++)
                {
                    provisional[i] = messages[i] with { Sequence = next + i };
                }

                _pending.AddRange(provisional);
                return provisional;
            }
        }

        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (HasUnsavedChanges)
            {
                await FlushCoreAsync(cancellationToken).ConfigureAwait(false);
            }

            var stored = await AppendToStorageAsync(messages, cancellationToken).ConfigureAwait(false);
            lock (_stateLock)
            {
                _appended.Add(stored);
            }

            return stored;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Copies the newest <paramref name="count"/> messages (fewer when the session has fewer) from the cache into a rented array.</summary>
    /// <remarks>
    /// Succeeds only with autosave on, nothing buffered and the range cached; give the array back with <see cref="ReturnRecent"/>.
    /// Otherwise read with <see cref="ReadRecentAsync"/>, which fills the cache.
    /// </remarks>
    /// <returns>Whether the cache answered.</returns>
    public bool TryCopyRecent(int count, [NotNullWhen(true)] out SessionMessage[]? messages, out int length)
    {
        lock (_stateLock)
        {
            if (_autosave && _pending is not { Count: > 0 } && _recent.Covers(count, Volatile.Read(ref _epoch.Value)))
            {
                length = Math.Min(count, _recent.Count);
                messages = ArrayPool<SessionMessage>.Shared.Rent(Math.Max(length, 1));
                _recent.CopyNewest(length, messages);
                return true;
            }
        }

        messages = null;
        length = 0;
        return false;
    }

    /// <summary>Gives back an array from <see cref="TryCopyRecent"/>.</summary>
    public static void ReturnRecent(SessionMessage[] messages) => ArrayPool<SessionMessage>.Shared.Return(messages, clearArray: true);

    /// <summary>Reads the newest <paramref name="count"/> messages (unsaved ones included) and keeps them in the cache.</summary>
    public async Task<IReadOnlyList<SessionMessage>> ReadRecentAsync(int count, CancellationToken cancellationToken)
    {
        if (!_autosave)
        {
            return await GetMessagesAsync(MessageRange.Last(count), cancellationToken).ConfigureAwait(false);
        }

        // Under the write gate, so no append of this writer lands between the read and filling the cache.
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            bool buffered;
            lock (_stateLock)
            {
                buffered = _pending is { Count: > 0 };
            }

            if (buffered)
            {
                return await GetMessagesAsync(MessageRange.Last(count), cancellationToken).ConfigureAwait(false);
            }

            // The epoch is read before the messages: a replacement that lands in between moves it and drops what is filled here.
            long epoch = Volatile.Read(ref _epoch.Value);
            var messages = await Storage.GetMessagesAsync(Id, MessageRange.Last(count), cancellationToken).ConfigureAwait(false);
            lock (_stateLock)
            {
                _recent.Reset(messages, count, epoch);
            }

            return messages;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Reads a range of messages, unsaved ones included, without reading the rest of the session.</summary>
    public async Task<IReadOnlyList<SessionMessage>> GetMessagesAsync(MessageRange range, CancellationToken cancellationToken)
    {
        SessionMessage[] pending;
        long storedCount;
        lock (_stateLock)
        {
            if (_pending is not { Count: > 0 })
            {
                pending = [];
                storedCount = 0;
            }
            else
            {
                pending = [.. _pending];
                storedCount = Materialized().MessageCount;
            }
        }

        if (pending.Length == 0)
        {
            return await Storage.GetMessagesAsync(Id, range, cancellationToken).ConfigureAwait(false);
        }

        // Unsaved messages follow the stored ones: split the range, reading the stored part counted from the end.
        var (start, length) = range.Resolve(storedCount + pending.Length);
        long end = start + length;
        var result = new List<SessionMessage>((int)length);
        if (start < storedCount && length > 0)
        {
            long storedEnd = Math.Min(end, storedCount);
            var storedRange = new MessageRange(checked((int)(storedCount - storedEnd)), checked((int)(storedEnd - start)), fromEnd: true);
            result.AddRange(await Storage.GetMessagesAsync(Id, storedRange, cancellationToken).ConfigureAwait(false));
        }

        for (long i = Math.Max(start, storedCount); i < end; i++)
        {
            result.Add(pending[i - storedCount]);
        }

        return result;
    }

    /// <summary>Applies a metadata change: persisted with optimistic concurrency under autosave, buffered otherwise.</summary>
    public async Task UpdateInfoAsync(Func<SessionInfo, SessionInfo> change, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            SessionInfo current;
            lock (_stateLock)
            {
                current = Materialized();
            }

            var changed = change(current);
            if (!_autosave)
            {
                lock (_stateLock)
                {
                    _info = changed;
                    _metadataDirty = true;
                }

                return;
            }

            await FlushCoreAsync(cancellationToken).ConfigureAwait(false);
            var stored = await Storage.UpdateAsync(changed with { Version = _info.Version }, cancellationToken).ConfigureAwait(false);
            SetInfo(stored);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Keeps only the newest messages (always persisted at once, after flushing buffered changes).</summary>
    public async Task TruncateAsync(int keepLast, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await FlushCoreAsync(cancellationToken).ConfigureAwait(false);
            for (int attempt = 0; ; attempt++)
            {
                // The version is read before the tail: every append advances it, so one that lands in between fails the
                // replacement (and the loop reads again) instead of being dropped.
                var current = await Storage.GetAsync(Id, cancellationToken).ConfigureAwait(false) ?? throw new SessionNotFoundException(Id);
                IReadOnlyList<SessionMessage> kept = keepLast == 0
                    ? []
                    : await Storage.GetMessagesAsync(Id, MessageRange.Last(keepLast), cancellationToken).ConfigureAwait(false);
                try
                {
                    InvalidateRecent();
                    var stored = await Storage.ReplaceMessagesAsync(Id, kept, current.Version, cancellationToken).ConfigureAwait(false);
                    SetInfo(stored);
                    return;
                }
                catch (SessionConcurrencyException) when (attempt < 8)
                {
                }
                finally
                {
                    StorageEpochs.Advance(Storage);
                }
            }
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Replaces every message (always persisted at once, after flushing buffered changes), with optimistic concurrency.</summary>
    public async Task ReplaceAsync(IReadOnlyList<SessionMessage> messages, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await FlushCoreAsync(cancellationToken).ConfigureAwait(false);
            InvalidateRecent();
            try
            {
                var stored = await Storage.ReplaceMessagesAsync(Id, messages, _info.Version, cancellationToken).ConfigureAwait(false);
                SetInfo(stored);
            }
            finally
            {
                StorageEpochs.Advance(Storage);
            }
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Persists buffered metadata, then buffered messages.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await FlushCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Reloads the information from storage; unsaved metadata changes are discarded.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            InvalidateRecent();
            var info = await Storage.GetAsync(Id, cancellationToken).ConfigureAwait(false)
                ?? throw new SessionNotFoundException(Id);
            SetInfo(info);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Persists buffered metadata, then buffered messages; the caller holds the write gate.</summary>
    private async Task FlushCoreAsync(CancellationToken cancellationToken)
    {
        SessionInfo? metadata;
        SessionMessage[] messages;
        lock (_stateLock)
        {
            metadata = _metadataDirty ? Materialized() : null;
            messages = _pending is { Count: > 0 } pending ? [.. pending] : [];
        }

        if (metadata is not null)
        {
            var stored = await Storage.UpdateAsync(metadata, cancellationToken).ConfigureAwait(false);
            SetInfo(stored);
        }

        if (messages.Length > 0)
        {
            var stored = await AppendToStorageAsync(messages, cancellationToken).ConfigureAwait(false);
            lock (_stateLock)
            {
                _pending!.RemoveRange(0, messages.Length);
                _appended.Add(stored);
            }
        }
    }

    /// <summary>Appends to storage and continues the cache with what was stored; the caller holds the write gate.</summary>
    private async ValueTask<IReadOnlyList<SessionMessage>> AppendToStorageAsync(IReadOnlyList<SessionMessage> messages, CancellationToken cancellationToken)
    {
        IReadOnlyList<SessionMessage> stored;
        try
        {
            stored = await Storage.AppendMessagesAsync(Id, messages, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            InvalidateRecent();
            throw;
        }

        lock (_stateLock)
        {
            _recent.Append(messages, stored);
        }

        return stored;
    }

    private void InvalidateRecent()
    {
        lock (_stateLock)
        {
            _recent.Invalidate();
        }
    }

    private void SetInfo(SessionInfo stored)
    {
        lock (_stateLock)
        {
            _info = stored;
            _appended = default;
            _metadataDirty = false;
        }
    }

    /// <summary>Folds the appends summed since the last read into the information; the caller holds <see cref="_stateLock"/>.</summary>
    private SessionInfo Materialized()
    {
        if (_appended.Any)
        {
            _info = _appended.ApplyTo(_info);
            _appended = default;
        }

        return _info;
    }

    /// <summary>What appends add to the information (count, last change, usage), summed without allocating until it is read.</summary>
    private struct AppendedTotals
    {
        private long _lastSequence;
        private DateTimeOffset _lastTimestamp;
        private long _inputTokens;
        private long _outputTokens;
        private long _totalTokens;
        private decimal _cost;
        private int _requests;
        private int _unpricedRequests;
        private bool _usage;

        public bool Any { get; private set; }

        public void Add(IReadOnlyList<SessionMessage> stored)
        {
            if (stored.Count == 0)
            {
                return;
            }

            for (int i = 0; i < stored.Count; i++)
            {
                if (stored[i].Usage is { } usage)
                {
                    _inputTokens += usage.InputTokens;
                    _outputTokens += usage.OutputTokens;
                    _totalTokens += usage.TotalTokens;
                    _cost += usage.Cost;
                    _requests += usage.Requests;
                    _unpricedRequests += usage.UnpricedRequests;
                    _usage = true;
                }
            }

            var last = stored[^1];
            _lastSequence = Math.Max(_lastSequence, last.Sequence);
            _lastTimestamp = last.Timestamp > _lastTimestamp ? last.Timestamp : _lastTimestamp;
            Any = true;
        }

        public readonly SessionInfo ApplyTo(SessionInfo info) => info with
        {
            MessageCount = Math.Max(info.MessageCount, _lastSequence),
            UpdatedAt = _lastTimestamp > info.UpdatedAt ? _lastTimestamp : info.UpdatedAt,
            Usage = _usage
                ? info.Usage.Add(new SessionUsage
                {
                    InputTokens = _inputTokens,
                    OutputTokens = _outputTokens,
                    TotalTokens = _totalTokens,
                    Cost = _cost,
                    Requests = _requests,
                    UnpricedRequests = _unpricedRequests,
                })
                : info.Usage,
        };
    }
}

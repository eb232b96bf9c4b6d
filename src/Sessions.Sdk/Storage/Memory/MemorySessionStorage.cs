using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>Keeps sessions in process memory; for tests, prototypes and short-lived hosts.</summary>
/// <remarks>
/// Thread-safe: each session has its own lock, so appends to different sessions never contend and an append is O(1).
/// Like the durable stores, it keeps its own copy of every message (<see cref="StoredMessage"/>) and every call returns new
/// message objects, so a caller that changes a message it passed in or got back (its contents list, its properties) never
/// changes stored history. Search scans the stored messages (<see cref="ScanningSessionSearch"/>).
/// </remarks>
internal sealed partial class MemorySessionStorage : ISessionStorage, ISessionSearch
{
    private readonly ConcurrentDictionary<string, Entry> _sessions = new(StringComparer.Ordinal);
    private readonly TimeProvider _timeProvider;
    private readonly ScanningSessionSearch _search;

    /// <summary>Initializes an empty store that takes timestamps from <paramref name="timeProvider"/>.</summary>
    /// <param name="timeProvider">The clock.</param>
    public MemorySessionStorage(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
        _search = new ScanningSessionSearch(this);
    }

    /// <summary>Initializes an empty store on the system clock.</summary>
    public MemorySessionStorage()
        : this(TimeProvider.System)
    {
    }

    /// <inheritdoc/>
    public ValueTask<SessionInfo> CreateAsync(SessionInfo session, IReadOnlyList<SessionMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        SessionIds.Validate(session.Id, nameof(session));
        ArgumentNullException.ThrowIfNull(messages);
        StoreRules.ValidateInfo(session, nameof(session));
        StoreRules.ValidateMessages(messages, nameof(messages));
        cancellationToken.ThrowIfCancellationRequested();

        var entry = new Entry { EditVersion = 1 };
        var usage = SessionUsage.Empty;
        for (int i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            entry.Messages.Add(StoredMessage.From(message, i + 1));
            usage = usage.Add(message.Usage);
        }

        entry.Info = Normalize(session) with
        {
            MessageCount = entry.Messages.Count,
            UpdatedAt = _timeProvider.GetUtcNow(),
            SizeBytes = 0,
            Usage = usage,
            Version = 1,
        };

        if (!TryAddLive(session.Id, entry)) throw new SessionAlreadyExistsException(session.Id);
        return ValueTask.FromResult(entry.Info);
    }

    /// <inheritdoc/>
    public ValueTask<SessionInfo?> GetAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(sessionId);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(_sessions.TryGetValue(sessionId, out var entry) ? entry.Info : null);
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<SessionMessage>> AppendMessagesAsync(string sessionId, IReadOnlyList<SessionMessage> messages, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(sessionId);
        ArgumentNullException.ThrowIfNull(messages);
        StoreRules.ValidateMessages(messages, nameof(messages));
        cancellationToken.ThrowIfCancellationRequested();
        var entry = Find(sessionId);
        if (messages.Count == 0) return ValueTask.FromResult<IReadOnlyList<SessionMessage>>([]);

        var appended = new SessionMessage[messages.Count];
        lock (entry)
        {
            if (entry.Deleted) throw new SessionNotFoundException(sessionId);
            long next = entry.Messages.Count + 1;
            var usage = entry.Usage;
            for (int i = 0; i < appended.Length; i++)
            {
                var stored = StoredMessage.From(messages[i], next + i);
                entry.Messages.Add(stored);
                appended[i] = stored.ToSessionMessage();
                usage = usage.Add(appended[i].Usage);
            }

            entry.Appended(appended.Length, usage, Later(entry.UpdatedAt));
        }

        return ValueTask.FromResult<IReadOnlyList<SessionMessage>>(appended);
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<SessionMessage>> GetMessagesAsync(string sessionId, MessageRange range, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(sessionId);
        cancellationToken.ThrowIfCancellationRequested();
        var entry = Find(sessionId);
        lock (entry)
        {
            if (entry.Deleted) throw new SessionNotFoundException(sessionId);
            var (start, length) = range.Resolve(entry.Messages.Count);
            if (length == 0) return ValueTask.FromResult<IReadOnlyList<SessionMessage>>([]);
            var page = new SessionMessage[length];
            for (int i = 0; i < page.Length; i++) page[i] = entry.Messages[(int)start + i].ToSessionMessage();
            return ValueTask.FromResult<IReadOnlyList<SessionMessage>>(page);
        }
    }

    /// <inheritdoc/>
    public ValueTask<SessionInfo> UpdateAsync(SessionInfo session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        SessionIds.Validate(session.Id, nameof(session));
        StoreRules.ValidateInfo(session, nameof(session));
        cancellationToken.ThrowIfCancellationRequested();
        var entry = Find(session.Id);
        var changes = Normalize(session);
        lock (entry)
        {
            if (entry.Deleted) throw new SessionNotFoundException(session.Id);
            var current = entry.Info;
            // Appends since the caller's version are merged; a metadata edit or replacement since then is a conflict.
            if (session.Version < entry.EditVersion || session.Version > current.Version) throw new SessionConcurrencyException(session.Id, session.Version, current.Version);
            entry.EditVersion = current.Version + 1;
            entry.Info = current with
            {
                Title = changes.Title,
                Kind = changes.Kind,
                Tags = changes.Tags,
                Metadata = changes.Metadata,
                SystemPrompt = changes.SystemPrompt,
                ProviderName = changes.ProviderName,
                ModelId = changes.ModelId,
                UpdatedAt = Later(current.UpdatedAt),
                Version = current.Version + 1,
            };
            return ValueTask.FromResult(entry.Info);
        }
    }

    /// <inheritdoc/>
    public ValueTask<SessionInfo> ReplaceMessagesAsync(string sessionId, IReadOnlyList<SessionMessage> messages, long expectedVersion, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(sessionId);
        ArgumentNullException.ThrowIfNull(messages);
        StoreRules.ValidateMessages(messages, nameof(messages));
        cancellationToken.ThrowIfCancellationRequested();
        var entry = Find(sessionId);
        var replacement = new StoredMessageList();
        for (int i = 0; i < messages.Count; i++) replacement.Add(StoredMessage.From(messages[i], i + 1));

        lock (entry)
        {
            if (entry.Deleted) throw new SessionNotFoundException(sessionId);
            var current = entry.Info;
            if (current.Version != expectedVersion) throw new SessionConcurrencyException(sessionId, expectedVersion, current.Version);
            entry.EditVersion = current.Version + 1;
            entry.Messages.ReplaceWith(replacement);
            entry.Info = current with
            {
                MessageCount = replacement.Count,
                UpdatedAt = Later(current.UpdatedAt),
                Version = current.Version + 1,
            };
            return ValueTask.FromResult(entry.Info);
        }
    }

    /// <inheritdoc/>
    public ValueTask<bool> DeleteAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(sessionId);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_sessions.TryRemove(sessionId, out var entry)) return ValueTask.FromResult(false);
        lock (entry) entry.Deleted = true;
        return ValueTask.FromResult(true);
    }

    /// <inheritdoc/>
    public ValueTask<bool> ExistsAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(sessionId);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(_sessions.ContainsKey(sessionId));
    }

    /// <inheritdoc/>
    public IAsyncEnumerable<SessionInfo> ListAsync(SessionQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        cancellationToken.ThrowIfCancellationRequested();
        return ListCoreAsync(query, cancellationToken);
    }

    /// <inheritdoc/>
    public IAsyncEnumerable<SessionSearchHit> SearchAsync(SessionSearchQuery query, CancellationToken cancellationToken = default) =>
        _search.SearchAsync(query, cancellationToken);

    private static SessionInfo Normalize(SessionInfo session) => StoreRules.Normalize(session);

    private DateTimeOffset Later(DateTimeOffset previous)
    {
        var now = _timeProvider.GetUtcNow();
        return now > previous ? now : previous;
    }

    private Entry Find(string sessionId) =>
        _sessions.TryGetValue(sessionId, out var entry) ? entry : throw new SessionNotFoundException(sessionId);

    private async IAsyncEnumerable<SessionInfo> ListCoreAsync(SessionQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var matches = new List<SessionInfo>();
        foreach (var entry in _sessions.Values)
        {
            var info = entry.Info;
            if (query.Matches(info)) matches.Add(info);
        }

        foreach (var info in query.OrderAndPage(matches))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return info;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    private sealed class Entry
    {
        private SessionInfo? _info;
        private int _appended;
        private SessionUsage? _usage;
        private DateTimeOffset _updatedAt;

        public StoredMessageList Messages { get; } = new();

        /// <summary>Gets or sets the session's information; messages appended since it was set are folded in when it is read.</summary>
        /// <remarks>An append only records its totals (<see cref="Appended"/>): a chat turn's two appends build no information record.</remarks>
        public SessionInfo Info
        {
            get
            {
                lock (this)
                {
                    if (_appended > 0)
                    {
                        // Every appended message advances the version, so a replacement based on an older read cannot drop it.
                        _info = _info! with { MessageCount = Messages.Count, Usage = _usage!, UpdatedAt = _updatedAt, Version = _info.Version + _appended };
                        _appended = 0;
                    }

                    return _info!;
                }
            }

            set
            {
                lock (this)
                {
                    _info = value;
                    _appended = 0;
                }
            }
        }

        /// <summary>Gets the usage including the messages appended since <see cref="Info"/> was composed (read under the entry's lock).</summary>
        public SessionUsage Usage => _appended > 0 ? _usage! : _info!.Usage;

        /// <summary>Gets the last-updated time including the latest append (read under the entry's lock).</summary>
        public DateTimeOffset UpdatedAt => _appended > 0 ? _updatedAt : _info!.UpdatedAt;

        public bool Deleted { get; set; }

        /// <summary>The version the last metadata edit or replacement produced; appends advance the version past it.</summary>
        public long EditVersion { get; set; }

        /// <summary>Records an append of <paramref name="count"/> messages (called under the entry's lock).</summary>
        /// <param name="count">How many messages were appended.</param>
        /// <param name="usage">The session's usage with them.</param>
        /// <param name="updatedAt">The session's last-updated time after them.</param>
        public void Appended(int count, SessionUsage usage, DateTimeOffset updatedAt)
        {
            _appended += count;
            _usage = usage;
            _updatedAt = updatedAt;
        }
    }

    /// <summary>One stored message, its fields kept inline in its session's list rather than in objects of its own.</summary>
    /// <remarks>
    /// The message's fields, the chat message's fields and its contents in an array: a kept message costs one object besides its
    /// contents instead of four, so a process that keeps long sessions in memory spends far less time in the garbage collector
    /// promoting them. Every read builds new <see cref="SessionMessage"/> and <see cref="ChatMessage"/> objects, so nothing a
    /// caller holds aliases stored history. The contents themselves are shared, as a shallow copy shares them.
    /// </remarks>
    private readonly struct StoredMessage
    {
        private readonly AIContent[] _contents;
        private readonly ChatRole _role;
        private readonly string? _authorName;
        private readonly string? _messageId;
        private readonly DateTimeOffset? _createdAt;
        private readonly object? _rawRepresentation;
        private readonly AdditionalPropertiesDictionary? _additionalProperties;
        private readonly long _sequence;
        private readonly DateTimeOffset _timestamp;
        private readonly string? _providerName;
        private readonly string? _modelId;
        private readonly SessionUsage? _usage;
        private readonly TimeSpan? _latency;
        private readonly bool _pinned;

        private StoredMessage(SessionMessage message, long sequence)
        {
            var chat = message.Message;
            _contents = [.. chat.Contents];
            _role = chat.Role;
            _authorName = chat.AuthorName;
            _messageId = chat.MessageId;
            _createdAt = chat.CreatedAt;
            _rawRepresentation = chat.RawRepresentation;
            _additionalProperties = chat.AdditionalProperties?.Clone();
            _sequence = sequence;
            _timestamp = message.Timestamp;
            _providerName = message.ProviderName;
            _modelId = message.ModelId;
            _usage = message.Usage;
            _latency = message.Latency;
            _pinned = message.Pinned;
        }

        /// <summary>Copies <paramref name="message"/> with <paramref name="sequence"/>.</summary>
        public static StoredMessage From(SessionMessage message, long sequence)
        {
            ArgumentNullException.ThrowIfNull(message, "messages");
            return new StoredMessage(message, sequence);
        }

        /// <summary>Builds a new message equal to the stored one.</summary>
        public SessionMessage ToSessionMessage() => new()
        {
            Sequence = _sequence,
            Message = new ChatMessage(_role, [.. _contents])
            {
                AuthorName = _authorName,
                MessageId = _messageId,
                CreatedAt = _createdAt,
                RawRepresentation = _rawRepresentation,
                AdditionalProperties = _additionalProperties?.Clone(),
            },
            Timestamp = _timestamp,
            ProviderName = _providerName,
            ModelId = _modelId,
            Usage = _usage,
            Latency = _latency,
            Pinned = _pinned,
        };
    }

    /// <summary>A session's stored messages in fixed-size chunks: an append never copies what is already stored.</summary>
    private sealed class StoredMessageList
    {
        private const int ChunkShift = 8;
        private const int ChunkSize = 1 << ChunkShift;
        private StoredMessage[][] _chunks = [];
        private int _count;

        public int Count => _count;

        public StoredMessage this[int index] => _chunks[index >> ChunkShift][index & (ChunkSize - 1)];

        public void Add(in StoredMessage message)
        {
            int chunk = _count >> ChunkShift;
            if (chunk == _chunks.Length) Array.Resize(ref _chunks, Math.Max(4, _chunks.Length * 2));
            (_chunks[chunk] ??= new StoredMessage[ChunkSize])[_count & (ChunkSize - 1)] = message;
            _count++;
        }

        public void ReplaceWith(StoredMessageList other)
        {
            _chunks = other._chunks;
            _count = other._count;
        }
    }
}

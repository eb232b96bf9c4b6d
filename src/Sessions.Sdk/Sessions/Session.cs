using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>Represents one open, persistent conversation: its information, its messages (read on demand) and model calls.</summary>
/// <remarks>
/// Thread-safe: concurrent calls on one object are allowed; writes are applied one at a time, in call order per caller.
/// The transcript is never held in memory: messages are read from storage when asked for.
/// With <see cref="Autosave"/> on (the default) every change is persisted before the call returns; with it off,
/// appended messages and metadata changes are buffered in memory until <see cref="SaveAsync"/>.
/// Metadata changes use optimistic concurrency: a change based on a stale version raises <see cref="SessionConcurrencyException"/>.
/// </remarks>
[SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "The SemaphoreSlim never allocates a wait handle (AvailableWaitHandle is not used).")]
public sealed class Session
{
    private readonly SessionManager _manager;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly Lock _stateLock = new();

    // The last stored information, plus unsaved metadata changes when autosave is off. Written only under _writeGate.
    private SessionInfo _info;
    private bool _metadataDirty;

    // Messages appended while autosave is off, not yet in storage; guarded by _stateLock.
    private List<SessionMessage>? _pending;
    private volatile bool _autosave;

    // Tools added to this object with AddTools; locked on itself.
    private List<AITool>? _tools;

    internal Session(SessionManager manager, SessionInfo info, bool autosave)
    {
        _manager = manager;
        _info = info;
        _autosave = autosave;
    }

    /// <summary>Gets the session's id.</summary>
    public string Id => _info.Id;

    /// <summary>Gets the session's title; empty when none was given.</summary>
    public string Title => _info.Title;

    /// <summary>Gets the session's tags.</summary>
    public IReadOnlyList<string> Tags => _info.Tags;

    /// <summary>Gets the session's application-defined metadata.</summary>
    public IReadOnlyDictionary<string, string> Metadata => _info.Metadata;

    /// <summary>Gets the session's kind.</summary>
    public SessionKind Kind => _info.Kind;

    /// <summary>Gets the system prompt sent before the history on every model call, if any.</summary>
    public string? SystemPrompt => _info.SystemPrompt;

    /// <summary>Gets the chat provider the session uses; <see langword="null"/> for <see cref="SessionsOptions.DefaultProvider"/>.</summary>
    public string? ProviderName => _info.ProviderName;

    /// <summary>Gets the model the session uses; <see langword="null"/> for the default model.</summary>
    public string? ModelId => _info.ModelId;

    /// <summary>Gets when the session was created.</summary>
    public DateTimeOffset CreatedAt => _info.CreatedAt;

    /// <summary>Gets when the session or its messages last changed, as far as this object knows.</summary>
    public DateTimeOffset UpdatedAt => Info.UpdatedAt;

    /// <summary>Gets the number of messages, including unsaved ones, as far as this object knows.</summary>
    public long MessageCount => Info.MessageCount;

    /// <summary>Gets the token usage and cost accumulated by the session's model calls.</summary>
    public SessionUsage Usage => Info.Usage;

    /// <summary>Gets a snapshot of the session's information, including unsaved changes.</summary>
    public SessionInfo Info
    {
        get
        {
            lock (_stateLock)
            {
                if (_pending is not { Count: > 0 } pending)
                {
                    return _info;
                }

                var usage = _info.Usage;
                foreach (var message in pending)
                {
                    usage = usage.Add(message.Usage);
                }

                return _info with { MessageCount = _info.MessageCount + pending.Count, UpdatedAt = pending[^1].Timestamp, Usage = usage };
            }
        }
    }

    /// <summary>Gets or sets a value indicating whether every change is persisted before the call that made it returns.</summary>
    /// <value>The default value is <see cref="SessionsOptions.Autosave"/> (<see langword="true"/>).</value>
    /// <remarks>Turning it back on does not save buffered changes by itself: they are saved by the next change or by <see cref="SaveAsync"/>.</remarks>
    public bool Autosave
    {
        get => _autosave;
        set => _autosave = value;
    }

    /// <summary>Gets a value indicating whether there are changes not yet persisted (only possible with <see cref="Autosave"/> off).</summary>
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

    /// <summary>Appends a message to the session.</summary>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The stored message with its sequence (provisional while unsaved).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is <see langword="null"/>.</exception>
    public async Task<SessionMessage> AddMessageAsync(ChatMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var stored = await AppendAsync([NewMessage(message)], cancellationToken).ConfigureAwait(false);
        return stored[0];
    }

    /// <summary>Appends messages to the session; they stay contiguous even when other writers append concurrently.</summary>
    /// <param name="messages">The messages, in order.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The stored messages with their sequences (provisional while unsaved).</returns>
    /// <exception cref="ArgumentException"><paramref name="messages"/> contains <see langword="null"/>.</exception>
    public async Task<IReadOnlyList<SessionMessage>> AddMessagesAsync(IEnumerable<ChatMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var now = _manager.TimeProvider.GetUtcNow();
        var list = new List<SessionMessage>();
        foreach (var message in messages)
        {
            list.Add(new SessionMessage { Message = message ?? throw new ArgumentException("Messages must not contain null.", nameof(messages)), Timestamp = now });
        }

        return list.Count == 0 ? [] : await AppendAsync(list, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads messages without reading the rest of the session: the last <paramref name="last"/>, or <paramref name="take"/> after <paramref name="skip"/>.</summary>
    /// <param name="last">How many of the newest messages to return; <see langword="null"/> to use <paramref name="skip"/> and <paramref name="take"/>.</param>
    /// <param name="skip">How many of the oldest messages to skip.</param>
    /// <param name="take">How many messages to return at most; <see langword="null"/> for all remaining.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The messages in chronological order, including unsaved ones.</returns>
    /// <exception cref="ArgumentException"><paramref name="last"/> is combined with <paramref name="skip"/> or <paramref name="take"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A count is negative.</exception>
    public Task<IReadOnlyList<SessionMessage>> GetMessagesAsync(int? last = null, int skip = 0, int? take = null, CancellationToken cancellationToken = default)
    {
        if (last is { } n)
        {
            if (skip != 0 || take is not null)
            {
                throw new ArgumentException("Pass either 'last' or 'skip'/'take', not both.", nameof(last));
            }

            ArgumentOutOfRangeException.ThrowIfNegative(n, nameof(last));
            return GetMessagesAsync(MessageRange.Last(n), cancellationToken);
        }

        return GetMessagesAsync(new MessageRange(skip, take), cancellationToken);
    }

    /// <summary>Reads a range of messages without reading the rest of the session.</summary>
    /// <param name="range">The range.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The messages in chronological order, including unsaved ones.</returns>
    public async Task<IReadOnlyList<SessionMessage>> GetMessagesAsync(MessageRange range, CancellationToken cancellationToken = default)
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
                storedCount = _info.MessageCount;
            }
        }

        if (pending.Length == 0)
        {
            return await _manager.Storage.GetMessagesAsync(Id, range, cancellationToken).ConfigureAwait(false);
        }

        // Unsaved messages follow the stored ones: split the range, reading the stored part counted from the end.
        var (start, length) = range.Resolve(storedCount + pending.Length);
        long end = start + length;
        var result = new List<SessionMessage>((int)length);
        if (start < storedCount && length > 0)
        {
            long storedEnd = Math.Min(end, storedCount);
            var storedRange = new MessageRange(checked((int)(storedCount - storedEnd)), checked((int)(storedEnd - start)), fromEnd: true);
            result.AddRange(await _manager.Storage.GetMessagesAsync(Id, storedRange, cancellationToken).ConfigureAwait(false));
        }

        for (long i = Math.Max(start, storedCount); i < end; i++)
        {
            result.Add(pending[i - storedCount]);
        }

        return result;
    }

    /// <summary>Removes every message; accumulated usage is kept.</summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the session is cleared.</returns>
    /// <remarks>Always persisted immediately, even with <see cref="Autosave"/> off (unsaved changes are saved first).</remarks>
    /// <exception cref="SessionConcurrencyException">Another writer changed the session's metadata since it was read.</exception>
    public Task ClearAsync(CancellationToken cancellationToken = default) => TruncateAsync(0, cancellationToken);

    /// <summary>Keeps only the newest <paramref name="keepLast"/> messages; accumulated usage is kept.</summary>
    /// <param name="keepLast">How many of the newest messages to keep.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the session is truncated.</returns>
    /// <remarks>Always persisted immediately, even with <see cref="Autosave"/> off (unsaved changes are saved first). Sequences restart at 1.</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="keepLast"/> is negative.</exception>
    /// <exception cref="SessionConcurrencyException">Another writer changed the session's metadata since it was read.</exception>
    public async Task TruncateAsync(int keepLast, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(keepLast);
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await FlushCoreAsync(cancellationToken).ConfigureAwait(false);
            IReadOnlyList<SessionMessage> kept = keepLast == 0
                ? []
                : await _manager.Storage.GetMessagesAsync(Id, MessageRange.Last(keepLast), cancellationToken).ConfigureAwait(false);
            var stored = await _manager.Storage.ReplaceMessagesAsync(Id, kept, _info.Version, cancellationToken).ConfigureAwait(false);
            SetInfo(stored);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Changes the session's title.</summary>
    /// <param name="title">The new title.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the change is applied (and persisted with autosave).</returns>
    /// <exception cref="SessionConcurrencyException">Another writer changed the session's metadata since it was read.</exception>
    public Task RenameAsync(string title, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(title);
        return UpdateInfoAsync(i => i with { Title = title }, cancellationToken);
    }

    /// <summary>Adds tags; tags already present (ignoring case) are skipped.</summary>
    /// <param name="tags">The tags.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the change is applied (and persisted with autosave).</returns>
    /// <exception cref="ArgumentException">A tag is null, empty or white space.</exception>
    /// <exception cref="SessionConcurrencyException">Another writer changed the session's metadata since it was read.</exception>
    public Task AddTagsAsync(IEnumerable<string> tags, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tags);
        var added = new List<string>();
        MergeTags(added, tags);
        return UpdateInfoAsync(
            i =>
            {
                var merged = new List<string>(i.Tags);
                MergeTags(merged, added);
                return i with { Tags = merged };
            },
            cancellationToken);
    }

    /// <summary>Removes tags (ignoring case); tags not present are ignored.</summary>
    /// <param name="tags">The tags.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the change is applied (and persisted with autosave).</returns>
    /// <exception cref="SessionConcurrencyException">Another writer changed the session's metadata since it was read.</exception>
    public Task RemoveTagsAsync(IEnumerable<string> tags, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tags);
        var removed = new HashSet<string>(tags, StringComparer.OrdinalIgnoreCase);
        return UpdateInfoAsync(i => i with { Tags = [.. i.Tags.Where(t => !removed.Contains(t))] }, cancellationToken);
    }

    /// <summary>Sets a metadata entry, replacing any value the key had.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the change is applied (and persisted with autosave).</returns>
    /// <exception cref="ArgumentException"><paramref name="key"/> is null, empty or white space.</exception>
    /// <exception cref="SessionConcurrencyException">Another writer changed the session's metadata since it was read.</exception>
    public Task SetMetadataAsync(string key, string value, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        ArgumentNullException.ThrowIfNull(value);
        return UpdateInfoAsync(
            i => i with { Metadata = new Dictionary<string, string>(i.Metadata, StringComparer.Ordinal) { [key] = value } },
            cancellationToken);
    }

    /// <summary>Removes a metadata entry; a missing key is ignored.</summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the change is applied (and persisted with autosave).</returns>
    /// <exception cref="SessionConcurrencyException">Another writer changed the session's metadata since it was read.</exception>
    public Task RemoveMetadataAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return UpdateInfoAsync(
            i =>
            {
                var metadata = new Dictionary<string, string>(i.Metadata, StringComparer.Ordinal);
                metadata.Remove(key);
                return i with { Metadata = metadata };
            },
            cancellationToken);
    }

    /// <summary>Changes the system prompt sent before the history on every model call.</summary>
    /// <param name="systemPrompt">The prompt; <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the change is applied (and persisted with autosave).</returns>
    /// <exception cref="SessionConcurrencyException">Another writer changed the session's metadata since it was read.</exception>
    public Task SetSystemPromptAsync(string? systemPrompt, CancellationToken cancellationToken = default) =>
        UpdateInfoAsync(i => i with { SystemPrompt = systemPrompt }, cancellationToken);

    /// <summary>Switches the session to another provider or model; the history is provider-neutral and carries over.</summary>
    /// <param name="providerName">The registered provider name; <see langword="null"/> for the default provider.</param>
    /// <param name="modelId">The model; <see langword="null"/> for the provider's default.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the change is applied (and persisted with autosave).</returns>
    /// <exception cref="SessionConcurrencyException">Another writer changed the session's metadata since it was read.</exception>
    public Task SetProviderAsync(string? providerName, string? modelId = null, CancellationToken cancellationToken = default) =>
        UpdateInfoAsync(i => i with { ProviderName = providerName, ModelId = modelId }, cancellationToken);

    /// <summary>Persists buffered changes (metadata first, then messages in order); does nothing when there are none.</summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when everything is persisted.</returns>
    /// <remarks>On failure, whatever was not persisted stays buffered, so the call can be retried.</remarks>
    /// <exception cref="SessionConcurrencyException">Another writer changed the session's metadata since it was read.</exception>
    public async Task SaveAsync(CancellationToken cancellationToken = default)
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

    /// <summary>Reloads the session's information from storage, picking up changes made by other writers.</summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the information is reloaded.</returns>
    /// <remarks>Unsaved metadata changes are discarded; unsaved messages are kept.</remarks>
    /// <exception cref="SessionNotFoundException">The session was deleted.</exception>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var info = await _manager.Storage.GetAsync(Id, cancellationToken).ConfigureAwait(false)
                ?? throw new SessionNotFoundException(Id);
            SetInfo(info);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Copies this session up to a message into a new, independent session.</summary>
    /// <param name="newSessionId">The new session's id; <see langword="null"/> for a generated one.</param>
    /// <param name="atMessage">The sequence of the last message to copy (1-based; 0 copies none); <see langword="null"/> for all.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The new session, whose <see cref="SessionInfo.ParentSessionId"/> and <see cref="SessionInfo.BranchedAtSequence"/> point here.</returns>
    /// <remarks>Title, kind, tags, metadata, system prompt, provider and model are copied; unsaved messages are included. The branch is stored at once, whatever <see cref="Autosave"/> says, and inherits this object's autosave setting.</remarks>
    /// <exception cref="ArgumentException"><paramref name="newSessionId"/> is not a valid session id.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="atMessage"/> is negative or beyond the last message.</exception>
    /// <exception cref="SessionAlreadyExistsException">A session with <paramref name="newSessionId"/> exists.</exception>
    public async Task<Session> BranchAsync(string? newSessionId = null, long? atMessage = null, CancellationToken cancellationToken = default)
    {
        if (newSessionId is not null)
        {
            SessionIds.Validate(newSessionId, nameof(newSessionId));
        }

        if (atMessage is { } at)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(at, nameof(atMessage));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(at, int.MaxValue, nameof(atMessage));
        }

        var messages = atMessage switch
        {
            0 => [],
            { } k => await GetMessagesAsync(MessageRange.First((int)k), cancellationToken).ConfigureAwait(false),
            null => await GetMessagesAsync(MessageRange.All, cancellationToken).ConfigureAwait(false),
        };
        if (atMessage is { } wanted && messages.Count < wanted)
        {
            throw new ArgumentOutOfRangeException(nameof(atMessage), wanted, $"Session '{Id}' has only {messages.Count} messages; branch at a message between 0 and {messages.Count}.");
        }

        var source = Info;
        var now = _manager.TimeProvider.GetUtcNow();
        var info = new SessionInfo
        {
            Id = newSessionId ?? SessionIds.Create(_manager.TimeProvider),
            Title = source.Title,
            Kind = source.Kind,
            Tags = source.Tags,
            Metadata = source.Metadata,
            SystemPrompt = source.SystemPrompt,
            ProviderName = source.ProviderName,
            ModelId = source.ModelId,
            ParentSessionId = Id,
            BranchedAtSequence = atMessage ?? messages.Count,
            CreatedAt = now,
            UpdatedAt = now,
        };
        var branch = await _manager.CreateCoreAsync(info, messages, Autosave, cancellationToken).ConfigureAwait(false);
        SessionsLog.SessionBranched(_manager.Logger, branch.Id, Id, info.BranchedAtSequence.Value);
        return branch;
    }

    /// <summary>Gets the tools this session offers the model besides the globally registered ones; they are not persisted.</summary>
    public IReadOnlyList<AITool> Tools
    {
        get
        {
            var tools = _tools;
            if (tools is null)
            {
                return [];
            }

            lock (tools)
            {
                return [.. tools];
            }
        }
    }

    /// <summary>Adds tools this session offers the model on every send (a tool replaces a global tool of the same name).</summary>
    /// <param name="tools">The tools, usually <see cref="AIFunction"/>s from <see cref="AIFunctionFactory"/>.</param>
    /// <returns>This session.</returns>
    /// <remarks>Tools live with this object only; reopen a session and add them again.</remarks>
    /// <exception cref="ArgumentException"><paramref name="tools"/> contains <see langword="null"/>.</exception>
    public Session AddTools(params IEnumerable<AITool> tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        var added = new List<AITool>();
        foreach (var tool in tools)
        {
            added.Add(tool ?? throw new ArgumentException("Tools must not contain null.", nameof(tools)));
        }

        var list = LazyInitializer.EnsureInitialized(ref _tools, static () => []);
        lock (list)
        {
            list.AddRange(added);
        }

        return this;
    }

    /// <summary>Removes this session's tools with the given name.</summary>
    /// <param name="name">The tool's name.</param>
    /// <returns><see langword="true"/> when a tool was removed.</returns>
    public bool RemoveTool(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var list = _tools;
        if (list is null)
        {
            return false;
        }

        lock (list)
        {
            return list.RemoveAll(t => string.Equals(t.Name, name, StringComparison.Ordinal)) > 0;
        }
    }

    /// <summary>Computes the session's statistics: counts per role, characters, models, tokens, cost, response times and duration.</summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The statistics, including unsaved messages.</returns>
    /// <remarks>Reads the messages in pages; never loads the whole session at once.</remarks>
    public async Task<SessionStatistics> GetStatisticsAsync(CancellationToken cancellationToken = default) =>
        await SessionStatisticsCalculator.ComputeAsync(
            async (range, ct) => await GetMessagesAsync(range, ct).ConfigureAwait(false),
            Info,
            SessionStatisticsCalculator.DefaultPageSize,
            cancellationToken).ConfigureAwait(false);

    /// <summary>Sends a user message to the session's model and stores the reply.</summary>
    /// <param name="text">The user's text.</param>
    /// <param name="options">Per-call chat options (tools, temperature, ...); <see langword="null"/> for the configured defaults.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The model's response.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The session's provider is not registered.</exception>
    public Task<ChatResponse> SendAsync(string text, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        return SendAsync(new ChatMessage(ChatRole.User, text), options, cancellationToken);
    }

    /// <summary>Sends a message to the session's model and stores the reply.</summary>
    /// <param name="message">The message, usually of role user; it may carry images or other contents.</param>
    /// <param name="options">Per-call chat options (tools, temperature, ...); <see langword="null"/> for the configured defaults.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The model's response.</returns>
    /// <remarks>
    /// The message is stored before the model is called. Every message of the response is stored with the provider,
    /// model, usage and latency. If the call fails, the session keeps the message and no reply, and the exception propagates unchanged.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The session's provider is not registered.</exception>
    public async Task<ChatResponse> SendAsync(ChatMessage message, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var call = ResolveChatClient(options, streaming: false);
        await AppendAsync([NewMessage(message)], cancellationToken).ConfigureAwait(false);
        var context = await BuildContextAsync(cancellationToken).ConfigureAwait(false);

        long started = _manager.TimeProvider.GetTimestamp();
        call.LastStepEnded = started;
        ChatResponse response;
        try
        {
            response = await call.Client.GetResponseAsync(context, call.Options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (LogFailure(ex, call, started))
        {
            throw; // not reached: the filter only logs
        }

        // Tool rounds were stored as they completed; the response holds only the final round.
        await StoreReplyAsync(response, call, _manager.TimeProvider.GetElapsedTime(call.LastStepEnded), cancellationToken).ConfigureAwait(false);
        return response;
    }

    /// <summary>Sends a user message to the session's model and streams the reply as it arrives, then stores it.</summary>
    /// <param name="text">The user's text.</param>
    /// <param name="options">Per-call chat options; <see langword="null"/> for the configured defaults.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The reply's updates.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is <see langword="null"/>.</exception>
    public IAsyncEnumerable<ChatResponseUpdate> StreamAsync(string text, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        return StreamAsync(new ChatMessage(ChatRole.User, text), options, cancellationToken);
    }

    /// <summary>Sends a message to the session's model and streams the reply as it arrives, then stores it.</summary>
    /// <param name="message">The message, usually of role user.</param>
    /// <param name="options">Per-call chat options; <see langword="null"/> for the configured defaults.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The reply's updates.</returns>
    /// <remarks>
    /// The message is stored before the model is called; the assembled reply is stored once the stream completes.
    /// A stream that fails, is cancelled or is abandoned before it completes stores no reply (nothing half-written).
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is <see langword="null"/>.</exception>
    public IAsyncEnumerable<ChatResponseUpdate> StreamAsync(ChatMessage message, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return StreamCoreAsync(message, options, cancellationToken);
    }

    /// <summary>Adds tags, skipping blanks-checked duplicates (ignoring case), keeping first-added order.</summary>
    internal static void MergeTags(List<string> target, IEnumerable<string> tags)
    {
        foreach (var tag in tags)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(tag, nameof(tags));
            if (!target.Contains(tag, StringComparer.OrdinalIgnoreCase))
            {
                target.Add(tag);
            }
        }
    }

    private async IAsyncEnumerable<ChatResponseUpdate> StreamCoreAsync(ChatMessage message, ChatOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var call = ResolveChatClient(options, streaming: true);
        await AppendAsync([NewMessage(message)], cancellationToken).ConfigureAwait(false);
        var context = await BuildContextAsync(cancellationToken).ConfigureAwait(false);

        long started = _manager.TimeProvider.GetTimestamp();
        call.LastStepEnded = started;
        var updates = call.Updates!;
        var enumerator = call.Client.GetStreamingResponseAsync(context, call.Options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using (enumerator.ConfigureAwait(false))
        {
            while (true)
            {
                ChatResponseUpdate update;
                try
                {
                    if (!await enumerator.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }

                    update = enumerator.Current;
                }
                catch (Exception ex) when (LogFailure(ex, call, started))
                {
                    throw; // not reached: the filter only logs
                }

                // Tool results were stored with their round (and the round's updates dropped) by the step callback.
                if (update.Role != ChatRole.Tool)
                {
                    updates.Add(update);
                }

                yield return update;
            }
        }

        // Reached only when the stream completed: a failed, cancelled or abandoned stream stores no partial reply.
        await StoreReplyAsync(updates.ToChatResponse(), call, _manager.TimeProvider.GetElapsedTime(call.LastStepEnded), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The one place the pipeline for a call is chosen: session provider/model, else the configured defaults.</summary>
    private ChatCall ResolveChatClient(ChatOptions? options, bool streaming)
    {
        var info = _info;
        var settings = _manager.Options;
        var provider = _manager.Providers.GetProvider(info.ProviderName);
        string? modelId = info.ModelId ?? (info.ProviderName is null || settings.DefaultProvider is null || string.Equals(info.ProviderName, settings.DefaultProvider, StringComparison.OrdinalIgnoreCase)
            ? settings.DefaultModel ?? provider.DefaultModelId
            : provider.DefaultModelId);
        var pipelines = _manager.Pipelines;
        var pipeline = pipelines.GetPipeline(provider, modelId);
        var chatOptions = new SessionChatOptions(options) { ProviderName = provider.Name };
        chatOptions.ModelId ??= modelId;
        chatOptions.Temperature ??= settings.Temperature;
        chatOptions.MaxOutputTokens ??= settings.MaxOutputTokens;
        chatOptions.MaxToolIterations = settings.ToolsEnabled ? settings.MaxToolIterations : 0;
        if (settings.ToolsEnabled && (pipelines.GlobalTools.Count > 0 || _tools is { Count: > 0 }))
        {
            // Global tools first, then the session's, then the call's: a later tool of the same name wins.
            var tools = new List<AITool>(pipelines.GlobalTools.Count + (_tools?.Count ?? 0) + (chatOptions.Tools?.Count ?? 0));
            tools.AddRange(pipelines.GlobalTools);
            if (_tools is not null)
            {
                lock (_tools)
                {
                    tools.AddRange(_tools);
                }
            }

            if (chatOptions.Tools is { } callTools)
            {
                tools.AddRange(callTools);
            }

            chatOptions.Tools = tools;
        }

        var call = new ChatCall(this, provider.Name, chatOptions.ModelId, pipeline.Client, chatOptions) { Updates = streaming ? [] : null };
        if (chatOptions.Tools is { Count: > 0 })
        {
            chatOptions.ToolStepCallback = call.StoreStepAsync;
        }

        return call;
    }

    /// <summary>The one place the model's context is built: system prompt, then the history window (read from storage, nothing more).</summary>
    private async Task<List<ChatMessage>> BuildContextAsync(CancellationToken cancellationToken)
    {
        var range = _manager.Options.MaxHistoryMessages is { } window ? MessageRange.Last(window) : MessageRange.All;
        var history = await GetMessagesAsync(range, cancellationToken).ConfigureAwait(false);
        var context = new List<ChatMessage>(history.Count + 1);
        if (SystemPrompt is { Length: > 0 } systemPrompt)
        {
            context.Add(new ChatMessage(ChatRole.System, systemPrompt));
        }

        int first = 0;
        while (first < history.Count && history[first].Role == ChatRole.Tool)
        {
            // The window cut these results off from their calls; providers reject orphaned tool results.
            first++;
        }

        for (int i = first; i < history.Count; i++)
        {
            if (SessionStateContent.IsStateMessage(history[i].Message))
            {
                continue; // structured state events are for the session, never for the model
            }

            context.Add(history[i].ToChatMessage());
        }

        return context;
    }

    private async Task StoreReplyAsync(ChatResponse response, ChatCall call, TimeSpan latency, CancellationToken cancellationToken)
    {
        string providerName = ProviderOf(response.AdditionalProperties, call.ProviderName);
        string? modelId = response.ModelId ?? call.ModelId;
        var usage = _manager.Pipelines.Catalog.ToSessionUsage(response.Usage, providerName, modelId);
        SessionsLog.ModelCallCompleted(_manager.Logger, Id, providerName, modelId, latency.TotalMilliseconds, usage.InputTokens, usage.OutputTokens);
        if (response.Messages.Count == 0)
        {
            return;
        }

        await AppendAsync(ToReplies(response.Messages, null, providerName, modelId, usage, latency), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stores one tool round as soon as it completes: the model's call message (with the round's usage) and the results.</summary>
    private async ValueTask StoreStepAsync(ChatCall call, ChatToolStep step, CancellationToken cancellationToken)
    {
        var response = step.Response;
        string providerName = ProviderOf(response.AdditionalProperties, call.ProviderName);
        string? modelId = response.ModelId ?? call.ModelId;
        var usage = _manager.Pipelines.Catalog.ToSessionUsage(response.Usage, providerName, modelId);
        SessionsLog.ModelCallCompleted(_manager.Logger, Id, providerName, modelId, step.ModelLatency.TotalMilliseconds, usage.InputTokens, usage.OutputTokens);
        await AppendAsync(ToReplies(response.Messages, step.ToolMessage, providerName, modelId, usage, step.ModelLatency), cancellationToken).ConfigureAwait(false);
        call.Updates?.Clear();
        call.LastStepEnded = _manager.TimeProvider.GetTimestamp();
    }

    private List<SessionMessage> ToReplies(IList<ChatMessage> messages, ChatMessage? toolMessage, string providerName, string? modelId, SessionUsage usage, TimeSpan latency)
    {
        var now = _manager.TimeProvider.GetUtcNow();
        var replies = new List<SessionMessage>(messages.Count + 1);
        for (int i = 0; i < messages.Count; i++)
        {
            bool last = i == messages.Count - 1;
            replies.Add(new SessionMessage
            {
                Message = messages[i],
                Timestamp = now,
                ProviderName = providerName,
                ModelId = modelId,

                // Usage and latency belong to the call, so they go on its final message only (storage sums usage per message).
                Usage = last ? usage : null,
                Latency = last ? latency : null,
            });
        }

        if (toolMessage is not null)
        {
            replies.Add(new SessionMessage { Message = toolMessage, Timestamp = now });
        }

        return replies;
    }

    private static string ProviderOf(AdditionalPropertiesDictionary? properties, string providerName) =>
        properties?.TryGetValue(ResilientChatClient.ProviderPropertyName, out var value) == true && value is string fallback ? fallback : providerName;

    private bool LogFailure(Exception exception, ChatCall call, long started)
    {
        if (exception is OperationCanceledException)
        {
            SessionsLog.ModelCallCancelled(_manager.Logger, Id);
        }
        else
        {
            SessionsLog.ModelCallFailed(_manager.Logger, exception, Id, call.ProviderName, call.ModelId, _manager.TimeProvider.GetElapsedTime(started).TotalMilliseconds);
        }

        return false;
    }

    private SessionMessage NewMessage(ChatMessage message) => new() { Message = message, Timestamp = _manager.TimeProvider.GetUtcNow() };

    private async Task<IReadOnlyList<SessionMessage>> AppendAsync(List<SessionMessage> messages, CancellationToken cancellationToken)
    {
        if (!_autosave)
        {
            lock (_stateLock)
            {
                _pending ??= [];
                long next = _info.MessageCount + _pending.Count + 1;
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
            await FlushCoreAsync(cancellationToken).ConfigureAwait(false);
            var stored = await _manager.Storage.AppendMessagesAsync(Id, messages, cancellationToken).ConfigureAwait(false);
            lock (_stateLock)
            {
                _info = WithAppended(_info, stored);
            }

            return stored;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private async Task UpdateInfoAsync(Func<SessionInfo, SessionInfo> change, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var changed = change(_info);
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
            var stored = await _manager.Storage.UpdateAsync(changed with { Version = _info.Version }, cancellationToken).ConfigureAwait(false);
            SetInfo(stored);
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
            metadata = _metadataDirty ? _info : null;
            messages = _pending is { Count: > 0 } pending ? [.. pending] : [];
        }

        if (metadata is not null)
        {
            var stored = await _manager.Storage.UpdateAsync(metadata, cancellationToken).ConfigureAwait(false);
            SetInfo(stored);
        }

        if (messages.Length > 0)
        {
            var stored = await _manager.Storage.AppendMessagesAsync(Id, messages, cancellationToken).ConfigureAwait(false);
            lock (_stateLock)
            {
                _pending!.RemoveRange(0, messages.Length);
                _info = WithAppended(_info, stored);
            }
        }
    }

    private void SetInfo(SessionInfo stored)
    {
        lock (_stateLock)
        {
            _info = stored;
            _metadataDirty = false;
        }
    }

    private static SessionInfo WithAppended(SessionInfo info, IReadOnlyList<SessionMessage> stored)
    {
        if (stored.Count == 0)
        {
            return info;
        }

        var usage = info.Usage;
        foreach (var message in stored)
        {
            usage = usage.Add(message.Usage);
        }

        var last = stored[^1];
        return info with
        {
            MessageCount = Math.Max(info.MessageCount, last.Sequence),
            UpdatedAt = last.Timestamp > info.UpdatedAt ? last.Timestamp : info.UpdatedAt,
            Usage = usage,
        };
    }

    /// <summary>One model call's state: the pipeline, options, the current round's streamed updates and when the last tool round ended.</summary>
    private sealed class ChatCall(Session session, string providerName, string? modelId, IChatClient client, SessionChatOptions options)
    {
        public string ProviderName { get; } = providerName;

        public string? ModelId { get; } = modelId;

        public IChatClient Client { get; } = client;

        public SessionChatOptions Options { get; } = options;

        public List<ChatResponseUpdate>? Updates { get; init; }

        public long LastStepEnded { get; set; }

        public ValueTask StoreStepAsync(ChatToolStep step, CancellationToken cancellationToken) => session.StoreStepAsync(this, step, cancellationToken);
    }
}

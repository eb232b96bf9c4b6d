using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>Represents one open, persistent conversation: its information, its messages (read on demand) and model calls.</summary>
/// <remarks>
/// Thread-safe: concurrent calls on one object are allowed; writes are applied one at a time, in call order per caller.
/// Model turns (<see cref="SendAsync(ChatMessage, ChatOptions?, CancellationToken)"/>, <see cref="StreamAsync(ChatMessage, ChatOptions?, CancellationToken)"/>)
/// run one at a time per object: a second turn waits until the first has stored its reply, so every reply follows its own prompt.
/// The transcript is never held in memory: messages are read from storage when asked for. Only the newest
/// <see cref="MaxHistoryMessages"/> messages this object stored or read are kept, so a model turn builds its context without a
/// storage read; when another writer appended in between (the store's sequences show the gap) or the messages were replaced,
/// the next turn reads them from storage again.
/// With <see cref="Autosave"/> on (the default) every change is persisted before the call returns; with it off,
/// appended messages and metadata changes are buffered in memory until <see cref="SaveAsync"/>.
/// Metadata changes use optimistic concurrency: a change based on a stale version raises <see cref="SessionConcurrencyException"/>.
/// </remarks>
public sealed class Session
{
    private readonly SessionManager _manager;
    private readonly SessionWriter _writer;
    private int? _maxHistoryMessages;

    // Tools added to this object with AddTools; locked on itself.
    private List<AITool>? _tools;

    internal Session(SessionManager manager, SessionWriter writer, int? maxHistoryMessages)
    {
        _manager = manager;
        _writer = writer;
        _maxHistoryMessages = maxHistoryMessages;
    }

    /// <summary>Gets the session's persistence (appends, updates, autosave buffer); plan and edit sessions write through it.</summary>
    internal SessionWriter Writer => _writer;

    /// <summary>Gets the chat turn model calls run through; plan and edit sessions call it with their own context.</summary>
    internal ChatTurn ChatTurn => _manager.ChatTurn;

    /// <summary>Gets or sets the provider, model and pipeline <see cref="Sdk.ChatTurn"/> last resolved for this object (reused while the settings are unchanged).</summary>
    internal ChatTurnTarget? TurnTarget { get; set; }

    /// <summary>Gets the session's id.</summary>
    public string Id => _writer.Id;

    /// <summary>Gets the session's title; empty when none was given.</summary>
    public string Title => _writer.Info.Title;

    /// <summary>Gets the session's tags.</summary>
    public IReadOnlyList<string> Tags => _writer.Info.Tags;

    /// <summary>Gets the session's application-defined metadata.</summary>
    public IReadOnlyDictionary<string, string> Metadata => _writer.Info.Metadata;

    /// <summary>Gets the session's kind.</summary>
    public SessionKind Kind => _writer.Info.Kind;

    /// <summary>Gets the system prompt sent before the history on every model call, if any.</summary>
    public string? SystemPrompt => _writer.Info.SystemPrompt;

    /// <summary>Gets the chat provider the session uses; <see langword="null"/> for <see cref="SessionsOptions.DefaultProvider"/>.</summary>
    public string? ProviderName => _writer.Info.ProviderName;

    /// <summary>Gets the model the session uses; <see langword="null"/> for the default model.</summary>
    public string? ModelId => _writer.Info.ModelId;

    /// <summary>Gets when the session was created.</summary>
    public DateTimeOffset CreatedAt => _writer.Info.CreatedAt;

    /// <summary>Gets when the session or its messages last changed, as far as this object knows.</summary>
    public DateTimeOffset UpdatedAt => Info.UpdatedAt;

    /// <summary>Gets the number of messages, including unsaved ones, as far as this object knows.</summary>
    public long MessageCount => Info.MessageCount;

    /// <summary>Gets the token usage and cost accumulated by the session's model calls.</summary>
    public SessionUsage Usage => Info.Usage;

    /// <summary>Gets a snapshot of the session's information, including unsaved changes.</summary>
    public SessionInfo Info => _writer.Info;

    /// <summary>Gets or sets a value indicating whether every change is persisted before the call that made it returns.</summary>
    /// <value>The default value is <see cref="SessionsOptions.Autosave"/> (<see langword="true"/>).</value>
    /// <remarks>Turning it back on does not save buffered changes by itself: they are saved by the next change or by <see cref="SaveAsync"/>.</remarks>
    public bool Autosave
    {
        get => _writer.Autosave;
        set => _writer.Autosave = value;
    }

    /// <summary>Gets or sets how many of the latest messages this object's model turns read and send as history.</summary>
    /// <value>The default value is <see cref="SessionsOptions.MaxHistoryMessages"/> (100); <see langword="null"/> for the whole transcript.</value>
    /// <remarks>Not persisted: it applies to this object only, like <see cref="Autosave"/>.</remarks>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int? MaxHistoryMessages
    {
        get => _maxHistoryMessages;
        set
        {
            if (value is { } n)
            {
                ArgumentOutOfRangeException.ThrowIfLessThan(n, 1, nameof(value));
            }

            _maxHistoryMessages = value;
        }
    }

    /// <summary>Gets a value indicating whether there are changes not yet persisted (only possible with <see cref="Autosave"/> off).</summary>
    public bool HasUnsavedChanges => _writer.HasUnsavedChanges;

    /// <summary>Appends a message to the session.</summary>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The stored message with its sequence (provisional while unsaved).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is <see langword="null"/>.</exception>
    public async Task<SessionMessage> AddMessageAsync(ChatMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var stored = await _writer.AppendAsync([_writer.NewMessage(message)], cancellationToken).ConfigureAwait(false);
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
        var now = _writer.TimeProvider.GetUtcNow();
        var list = new List<SessionMessage>();
        foreach (var message in messages)
        {
            list.Add(new SessionMessage { Message = message ?? throw new ArgumentException("Messages must not contain null.", nameof(messages)), Timestamp = now });
        }

        return list.Count == 0 ? [] : await _writer.AppendAsync(list, cancellationToken).ConfigureAwait(false);
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
    public Task<IReadOnlyList<SessionMessage>> GetMessagesAsync(MessageRange range, CancellationToken cancellationToken = default) =>
        _writer.GetMessagesAsync(range, cancellationToken);

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
    public Task TruncateAsync(int keepLast, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(keepLast);
        return _writer.TruncateAsync(keepLast, cancellationToken);
    }

    /// <summary>Changes the session's title.</summary>
    /// <param name="title">The new title.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the change is applied (and persisted with autosave).</returns>
    /// <exception cref="SessionConcurrencyException">Another writer changed the session's metadata since it was read.</exception>
    public Task RenameAsync(string title, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(title);
        return _writer.UpdateInfoAsync(i => i with { Title = title }, cancellationToken);
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
        return _writer.UpdateInfoAsync(
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
        return _writer.UpdateInfoAsync(i => i with { Tags = [.. i.Tags.Where(t => !removed.Contains(t))] }, cancellationToken);
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
        return _writer.UpdateInfoAsync(
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
        return _writer.UpdateInfoAsync(
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
        _writer.UpdateInfoAsync(i => i with { SystemPrompt = systemPrompt }, cancellationToken);

    /// <summary>Switches the session to another provider or model; the history is provider-neutral and carries over.</summary>
    /// <param name="providerName">The registered provider name; <see langword="null"/> for the default provider.</param>
    /// <param name="modelId">The model; <see langword="null"/> for the provider's default.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the change is applied (and persisted with autosave).</returns>
    /// <exception cref="SessionConcurrencyException">Another writer changed the session's metadata since it was read.</exception>
    public Task SetProviderAsync(string? providerName, string? modelId = null, CancellationToken cancellationToken = default) =>
        _writer.UpdateInfoAsync(i => i with { ProviderName = providerName, ModelId = modelId }, cancellationToken);

    /// <summary>Persists buffered changes (metadata first, then messages in order); does nothing when there are none.</summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when everything is persisted.</returns>
    /// <remarks>On failure, whatever was not persisted stays buffered, so the call can be retried.</remarks>
    /// <exception cref="SessionConcurrencyException">Another writer changed the session's metadata since it was read.</exception>
    public Task SaveAsync(CancellationToken cancellationToken = default) => _writer.FlushAsync(cancellationToken);

    /// <summary>Reloads the session's information from storage, picking up changes made by other writers.</summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the information is reloaded.</returns>
    /// <remarks>Unsaved metadata changes are discarded; unsaved messages are kept.</remarks>
    /// <exception cref="SessionNotFoundException">The session was deleted.</exception>
    public Task RefreshAsync(CancellationToken cancellationToken = default) => _writer.RefreshAsync(cancellationToken);

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
        var now = _writer.TimeProvider.GetUtcNow();
        var info = new SessionInfo
        {
            Id = newSessionId ?? SessionIds.Create(_writer.TimeProvider),
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
    /// <exception cref="ArgumentException"><paramref name="text"/> is empty or white space.</exception>
    /// <exception cref="InvalidOperationException">The session's provider is not registered.</exception>
    public Task<ChatResponse> SendAsync(string text, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        return SendAsync(new ChatMessage(ChatRole.User, text), options, cancellationToken);
    }

    /// <summary>Sends a message to the session's model and stores the reply.</summary>
    /// <param name="message">The message, usually of role user; it may carry images or other contents.</param>
    /// <param name="options">Per-call chat options (tools, temperature, ...); <see langword="null"/> for the configured defaults.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The model's response: every message of the turn (tool rounds included, as M.E.AI returns them) and the usage summed over its model calls.</returns>
    /// <remarks>
    /// The message is stored before the model is called; each tool round is stored as it completes; the reply is stored with the
    /// provider, model, usage, cost and latency. If the call fails, the session keeps the message (and completed rounds) and no
    /// reply, and the exception propagates unchanged. Turns on one object run one at a time, in call order.
    /// The history sent is the newest <see cref="MaxHistoryMessages"/> messages, shaped by the context policy.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="message"/> has no content, or only empty or white-space text.</exception>
    /// <exception cref="InvalidOperationException">The session's provider is not registered.</exception>
    public async Task<ChatResponse> SendAsync(ChatMessage message, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ValidatePrompt(message);
        await _writer.TurnGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var call = ChatTurn.Prepare(this, options);
            await _writer.AppendAsync([_writer.NewMessage(message)], cancellationToken).ConfigureAwait(false);
            var context = await ChatTurn.BuildContextAsync(_writer, _maxHistoryMessages, cancellationToken).ConfigureAwait(false);
            var result = await ChatTurn.RunAsync(call, context, cancellationToken).ConfigureAwait(false);
            return result.Response;
        }
        finally
        {
            _writer.TurnGate.Release();
        }
    }

    /// <summary>Sends a user message to the session's model and streams the reply as it arrives, then stores it.</summary>
    /// <param name="text">The user's text.</param>
    /// <param name="options">Per-call chat options; <see langword="null"/> for the configured defaults.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The reply's updates.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="text"/> is empty or white space.</exception>
    public IAsyncEnumerable<ChatResponseUpdate> StreamAsync(string text, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        return StreamAsync(new ChatMessage(ChatRole.User, text), options, cancellationToken);
    }

    /// <summary>Sends a message to the session's model and streams the reply as it arrives, then stores it.</summary>
    /// <param name="message">The message, usually of role user.</param>
    /// <param name="options">Per-call chat options; <see langword="null"/> for the configured defaults.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The reply's updates (tool results included, with role tool).</returns>
    /// <remarks>
    /// The message is stored when enumeration starts, before the model is called; the assembled reply is stored once the stream
    /// completes. A stream that fails, is cancelled or is abandoned before it completes stores no reply (nothing half-written).
    /// Turns on one object run one at a time: a second stream starts only after the first has completed or was abandoned.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="message"/> has no content, or only empty or white-space text.</exception>
    public IAsyncEnumerable<ChatResponseUpdate> StreamAsync(ChatMessage message, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ValidatePrompt(message);
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

    /// <summary>Refuses a prompt with nothing in it: no contents, or only empty or white-space text.</summary>
    private static void ValidatePrompt(ChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var contents = message.Contents;
        for (int i = 0; i < contents.Count; i++)
        {
            if (contents[i] is not TextContent text || !string.IsNullOrWhiteSpace(text.Text))
            {
                return;
            }
        }

        throw new ArgumentException("The message must have content: non-empty text, an image, a function result or other data.", nameof(message));
    }

    private async IAsyncEnumerable<ChatResponseUpdate> StreamCoreAsync(ChatMessage message, ChatOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await _writer.TurnGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var call = ChatTurn.Prepare(this, options);
            await _writer.AppendAsync([_writer.NewMessage(message)], cancellationToken).ConfigureAwait(false);
            var context = await ChatTurn.BuildContextAsync(_writer, _maxHistoryMessages, cancellationToken).ConfigureAwait(false);
            await foreach (var update in ChatTurn.StreamAsync(call, context, cancellationToken).ConfigureAwait(false))
            {
                yield return update;
            }
        }
        finally
        {
            _writer.TurnGate.Release();
        }
    }
}

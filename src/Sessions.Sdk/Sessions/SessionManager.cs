using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Sessions.Sdk;

/// <summary>The default <see cref="ISessionManager"/>: validates ids, creates <see cref="Session"/> objects and delegates to storage.</summary>
internal sealed class SessionManager : ISessionManager
{
    private readonly Func<ChatProviderRegistry> _providers;
    private readonly Func<ChatPipelineFactory>? _pipelines;
    private ScanningSessionSearch? _scanningSearch;
    private ChatTurn? _chatTurn;

    public SessionManager(
        ISessionStorage storage,
        ChatProviderRegistry providers,
        IOptions<SessionsOptions> options,
        TimeProvider timeProvider,
        ILogger? logger = null,
        ChatPipelineFactory? pipelines = null)
        : this(storage, Of(providers), options, timeProvider, logger, pipelines is null ? null : () => pipelines)
    {
    }

    /// <summary>Creates a manager whose chat machinery (provider registry, pipelines, model catalog) is created on the first model call.</summary>
    /// <remarks>
    /// Listing, opening, exporting or importing sessions never needs a model: a process that only manages sessions (a
    /// command-line listing, an import) does not build the chat pipeline or resolve the providers at all.
    /// </remarks>
    public SessionManager(
        ISessionStorage storage,
        Func<ChatProviderRegistry> providers,
        IOptions<SessionsOptions> options,
        TimeProvider timeProvider,
        ILogger? logger,
        Func<ChatPipelineFactory>? pipelines)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(providers);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        Storage = storage;
        Options = options.Value;
        TimeProvider = timeProvider;
        Logger = logger ?? NullLogger.Instance;
        _providers = providers;
        _pipelines = pipelines;
    }

    /// <inheritdoc/>
    public ISessionStorage Storage { get; }

    internal SessionsOptions Options { get; }

    internal TimeProvider TimeProvider { get; }

    internal ILogger Logger { get; }

    /// <summary>Gets the chat turn every session of this manager runs its model calls through (created on first use).</summary>
    internal ChatTurn ChatTurn => Volatile.Read(ref _chatTurn) ?? CreateChatTurn();

    /// <summary>Gets the session templates registered by name (Management/SessionTemplates.cs).</summary>
    internal SessionTemplateRegistry Templates { get; init; } = new([]);

    /// <inheritdoc/>
    public SessionBuilder Create(string? sessionId = null)
    {
        if (sessionId is not null)
        {
            SessionIds.Validate(sessionId, nameof(sessionId));
        }

        return new SessionBuilder(this, sessionId);
    }

    /// <inheritdoc/>
    public async Task<Session> OpenAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(sessionId, nameof(sessionId));
        var info = await Storage.GetAsync(sessionId, cancellationToken).ConfigureAwait(false)
            ?? throw new SessionNotFoundException(sessionId);
        SessionsLog.SessionOpened(Logger, info.Id, info.MessageCount);
        return OpenSession(info, Options.Autosave);
    }

    /// <inheritdoc/>
    public async Task<SessionInfo?> GetInfoAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(sessionId, nameof(sessionId));
        return await Storage.GetAsync(sessionId, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<bool> ExistsAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(sessionId, nameof(sessionId));
        return await Storage.ExistsAsync(sessionId, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public IAsyncEnumerable<SessionInfo> ListAsync(SessionQuery? query = null, CancellationToken cancellationToken = default) =>
        Storage.ListAsync(query ?? SessionQuery.All, cancellationToken);

    /// <inheritdoc/>
    public IAsyncEnumerable<SessionSearchHit> SearchAsync(SessionSearchQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentException.ThrowIfNullOrWhiteSpace(query.Text, nameof(query));
        return SearchCoreAsync(query, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<bool> DeleteAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(sessionId, nameof(sessionId));
        try
        {
            return await SessionTrashExtensions.TrashAsync(Storage, Logger, sessionId, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // A session created again under this id numbers its messages from 1: open objects must not trust their cached windows.
            StorageEpochs.Advance(Storage);
        }
    }

    /// <summary>Stores a new session with its initial messages and returns it opened.</summary>
    internal async Task<Session> CreateCoreAsync(SessionInfo info, IReadOnlyList<SessionMessage> messages, bool autosave, CancellationToken cancellationToken)
    {
        var stored = await Storage.CreateAsync(info, messages, cancellationToken).ConfigureAwait(false);
        SessionsLog.SessionCreated(Logger, stored.Id, stored.MessageCount);
        return OpenSession(stored, autosave);
    }

    /// <summary>Creates the <see cref="Session"/> object for stored information: its writer (the chat turn is the manager's).</summary>
    internal Session OpenSession(SessionInfo info, bool autosave) =>
        new(this, new SessionWriter(Storage, TimeProvider, info, autosave), Options.MaxHistoryMessages);

    private static Func<ChatProviderRegistry> Of(ChatProviderRegistry providers)
    {
        ArgumentNullException.ThrowIfNull(providers);
        return () => providers;
    }

    private ChatTurn CreateChatTurn()
    {
        // Two threads racing here may each build one; the first stored wins and both use it (the parts are singletons).
        var created = new ChatTurn(_providers(), _pipelines?.Invoke() ?? ChatPipelineFactory.CreateDefault(Options, TimeProvider), Options, Logger);
        return Interlocked.CompareExchange(ref _chatTurn, created, null) ?? created;
    }

    private async IAsyncEnumerable<SessionSearchHit> SearchCoreAsync(SessionSearchQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var search = Storage.GetCapability<ISessionSearch>() ?? (_scanningSearch ??= new ScanningSessionSearch(Storage));
        await foreach (var hit in search.SearchAsync(query, cancellationToken).ConfigureAwait(false))
        {
            yield return hit;
        }
    }
}

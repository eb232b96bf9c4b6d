using Microsoft.Extensions.Options;

namespace Sessions.Sdk;

/// <summary>The default <see cref="IEditSessionManager"/>, on the session manager: an edit session is a session of kind <c>edit</c> whose state travels in its transcript.</summary>
internal sealed class EditSessionManager : IEditSessionManager
{
    internal const string WorkspaceMetadataKey = "edit.workspaceRoot";

    private readonly ISessionManager _sessions;
    private readonly EditingOptions _options;
    private readonly TimeProvider _timeProvider;

    public EditSessionManager(ISessionManager sessions, IOptions<EditingOptions> options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _sessions = sessions;
        _options = options.Value;
        _timeProvider = timeProvider;
    }

    /// <summary>Gets or sets the file system (tests inject failures through it).</summary>
    internal IEditFileSystem FileSystem { get; init; } = PhysicalEditFileSystem.Instance;

    /// <inheritdoc/>
    public async Task<EditSession> CreateAsync(string workspaceRoot, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(workspaceRoot);
        string root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(workspaceRoot));
        if (!Directory.Exists(root))
        {
            throw new ArgumentException($"The workspace root '{root}' is not an existing folder.", nameof(workspaceRoot));
        }

        var session = await _sessions.Create()
            .WithKind(SessionKind.Edit)
            .WithTitle("Edit " + Path.GetFileName(root))
            .WithMetadata(WorkspaceMetadataKey, root)
            .CreateAsync(cancellationToken).ConfigureAwait(false);
        return new EditSession(session, new WorkspaceSandbox(root), _options, new SessionEditStateLog(session, _sessions.Storage), FileSystem, _timeProvider);
    }

    /// <inheritdoc/>
    public async Task<EditSession> OpenAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        var session = await _sessions.OpenAsync(sessionId, cancellationToken).ConfigureAwait(false);
        if (session.Kind != SessionKind.Edit || !session.Metadata.TryGetValue(WorkspaceMetadataKey, out var root))
        {
            throw new ArgumentException($"Session '{sessionId}' is not an edit session (kind '{session.Kind}').", nameof(sessionId));
        }

        var editor = new EditSession(session, new WorkspaceSandbox(root), _options, new SessionEditStateLog(session, _sessions.Storage), FileSystem, _timeProvider);
        await editor.LoadAsync(cancellationToken).ConfigureAwait(false);
        return editor;
    }
}

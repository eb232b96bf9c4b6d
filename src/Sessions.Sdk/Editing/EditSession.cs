using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Sessions.Sdk;

/// <summary>Changes files of one workspace folder in batches that apply all-or-nothing, with previews, backups kept in the session, rollback, model proposals and rewind.</summary>
/// <remarks>
/// Thread-safe: calls that read or write files run one at a time. An edit session is an ordinary session of kind <c>edit</c>
/// (<see cref="Session"/>): its batches, their backups and intents, and the model's proposals are state events in its transcript,
/// so they survive restarts on every store and travel with branches and exports. One <see cref="EditSession"/> object per
/// session and workspace at a time: two objects or processes editing the same files are not coordinated.
/// </remarks>
[SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "The SemaphoreSlim never allocates a wait handle.")]
public sealed partial class EditSession
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Lock _pendingLock = new();
    private readonly WorkspaceSandbox _sandbox;
    private readonly EditingOptions _options;
    private readonly IEditStateLog _log;
    private readonly IEditFileSystem _files;
    private readonly TimeProvider _timeProvider;
    private readonly List<EditOperation> _pending = [];
    private EditState _state = new();
    private int _pendingVersion;
    private (int Version, Dictionary<string, string?> Hashes)? _preview;

    internal EditSession(Session session, WorkspaceSandbox sandbox, EditingOptions options, IEditStateLog log, IEditFileSystem files, TimeProvider timeProvider)
    {
        Session = session;
        _sandbox = sandbox;
        _options = options;
        _log = log;
        _files = files;
        _timeProvider = timeProvider;
    }

    /// <summary>Gets the session this edit session is stored in (kind <c>edit</c>); its conversation holds the model's proposals.</summary>
    public Session Session { get; }

    /// <summary>Gets the full path of the workspace folder every operation's path is relative to.</summary>
    public string WorkspaceRoot => _sandbox.Root;

    /// <summary>Gets the operations waiting to be previewed and applied: those added, then those the model proposed.</summary>
    public IReadOnlyList<EditOperation> PendingOperations
    {
        get
        {
            lock (_pendingLock) return [.. _pending];
        }
    }

    /// <summary>Gets every batch recorded in the session, oldest first, with its status.</summary>
    public IReadOnlyList<EditResult> Batches
    {
        get
        {
            lock (_pendingLock) return [.. _state.Batches.Select(b => b.ToResult())];
        }
    }

    /// <summary>Adds operations to the pending list (kept in memory until applied; proposals from the model are recorded in the session).</summary>
    /// <param name="operations">The operations, in order.</param>
    /// <returns>This edit session, for chaining.</returns>
    /// <exception cref="ArgumentException"><paramref name="operations"/> holds <see langword="null"/>.</exception>
    public EditSession Add(params IEnumerable<EditOperation> operations)
    {
        ArgumentNullException.ThrowIfNull(operations);
        EditOperation[] list = [.. operations];
        if (Array.IndexOf(list, null) >= 0)
        {
            throw new ArgumentException("Operations must not contain null.", nameof(operations));
        }

        lock (_pendingLock)
        {
            _pending.AddRange(list);
            _pendingVersion++;
        }

        return this;
    }

    /// <summary>Removes every pending operation.</summary>
    public void ClearPending()
    {
        lock (_pendingLock)
        {
            _pending.Clear();
            _pendingVersion++;
        }
    }

    /// <summary>Shows what the pending operations would change, file by file, without writing; remembers each file's content hash for <see cref="ApplyAsync"/>.</summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The per-file unified diffs and line counts.</returns>
    /// <exception cref="InvalidOperationException">No operation is pending.</exception>
    /// <exception cref="EditSandboxException">A path leaves the workspace.</exception>
    /// <exception cref="EditPreconditionException">An operation cannot apply (old text missing or ambiguous, size limit, binary file, ...).</exception>
    public async Task<EditPreview> PreviewAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var (operations, version) = SnapshotPending();
            var plans = EditPlanner.Plan(operations, _sandbox, _files, _options);
            var hashes = plans.ToDictionary(p => p.Path, p => p.BeforeHash, StringComparer.Ordinal);
            lock (_pendingLock)
            {
                _preview = (version, hashes);
            }

            return new EditPreview { Files = [.. plans.Select(p => p.Preview)] };
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Applies the pending operations as one batch: every file changes, or none; a file changed on disk since <see cref="PreviewAsync"/> is a conflict.</summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The applied batch.</returns>
    /// <remarks>The pending list is emptied when the batch is applied; on failure it is kept and no file is left changed.</remarks>
    /// <exception cref="InvalidOperationException">No operation is pending.</exception>
    /// <exception cref="EditConflictException">A file changed since it was previewed.</exception>
    /// <exception cref="EditSandboxException">A path leaves the workspace.</exception>
    /// <exception cref="EditPreconditionException">An operation cannot apply.</exception>
    /// <exception cref="IOException">A file could not be written; every file written before was restored.</exception>
    public async Task<EditResult> ApplyAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await ApplyPendingCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Applies a named batch of operations (not the pending list): every file changes, or none.</summary>
    /// <param name="batch">The batch.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The applied batch.</returns>
    /// <exception cref="EditSandboxException">A path leaves the workspace.</exception>
    /// <exception cref="EditPreconditionException">An operation cannot apply.</exception>
    /// <exception cref="EditConflictException">A file changed while the batch was applied.</exception>
    /// <exception cref="IOException">A file could not be written; every file written before was restored.</exception>
    public async Task<EditResult> ApplyBatchAsync(EditBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await ApplyCoreAsync(batch.Operations, batch.Name, null, consumesPending: false, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Rolls back the last applied batch, restoring the exact bytes from before it.</summary>
    /// <param name="force"><see langword="true"/> to restore even files changed since the batch was applied.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The rolled-back batch.</returns>
    /// <exception cref="InvalidOperationException">No batch is applied, or it was applied without backups.</exception>
    /// <exception cref="EditConflictException">A file of the batch changed since it was applied and <paramref name="force"/> is off.</exception>
    public async Task<EditResult> RollbackAsync(bool force = false, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var batch = _state.Batches.LastOrDefault(b => b.Status == EditBatchStatus.Applied)
                ?? throw new InvalidOperationException("No applied batch to roll back in this edit session.");
            await RollbackCoreAsync(batch, force, cancellationToken).ConfigureAwait(false);
            return batch.ToResult();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Rolls back one applied batch, restoring the exact bytes from before it.</summary>
    /// <param name="batchId">The batch's id (<see cref="EditResult.BatchId"/>).</param>
    /// <param name="force"><see langword="true"/> to restore even files changed since the batch was applied.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The rolled-back batch.</returns>
    /// <exception cref="ArgumentException">No batch has that id.</exception>
    /// <exception cref="InvalidOperationException">The batch is not applied, or it was applied without backups.</exception>
    /// <exception cref="EditConflictException">A file of the batch changed since it was applied (also by a later batch) and <paramref name="force"/> is off.</exception>
    public async Task<EditResult> RollbackAsync(string batchId, bool force = false, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(batchId);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var batch = _state.Find(batchId) ?? throw new ArgumentException($"No batch '{batchId}' in this edit session.", nameof(batchId));
            await RollbackCoreAsync(batch, force, cancellationToken).ConfigureAwait(false);
            return batch.ToResult();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Rewinds files and conversation together: undoes every batch applied after message <paramref name="sequence"/>, then keeps only messages 1 to <paramref name="sequence"/>.</summary>
    /// <param name="sequence">The last message kept; 0 keeps none.</param>
    /// <param name="force"><see langword="true"/> to restore even files changed since their batches were applied.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The batches undone, newest first.</returns>
    /// <remarks>One operation: a <c>rewind.started</c> record is stored first, so a crash part-way is finished when the session is next opened.</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sequence"/> is negative or past the last message.</exception>
    /// <exception cref="InvalidOperationException">A batch to undo was applied without backups.</exception>
    /// <exception cref="EditConflictException">A file changed since its batch was applied and <paramref name="force"/> is off; nothing was changed.</exception>
    public async Task<IReadOnlyList<EditResult>> RewindAsync(long sequence, bool force = false, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sequence);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sequence, Session.MessageCount);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await RewindCoreAsync(sequence, force, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Folds the session's state events and finishes or undoes whatever a crash interrupted.</summary>
    internal async Task LoadAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await ReloadAsync(cancellationToken).ConfigureAwait(false);
            await RecoverAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task ReloadAsync(CancellationToken cancellationToken)
    {
        var state = EditState.Fold(await _log.ReadAsync(cancellationToken).ConfigureAwait(false));
        lock (_pendingLock)
        {
            _state = state;
            _pending.Clear();
            _pending.AddRange(state.Proposed);
            _pendingVersion++;
        }
    }

    private (IReadOnlyList<EditOperation> Operations, int Version) SnapshotPending()
    {
        lock (_pendingLock)
        {
            if (_pending.Count == 0)
            {
                throw new InvalidOperationException("No operation is pending: add operations with Add(...) or ProposeAsync(...) first.");
            }

            return ([.. _pending], _pendingVersion);
        }
    }

    private async Task<EditResult> ApplyPendingCoreAsync(CancellationToken cancellationToken)
    {
        var (operations, version) = SnapshotPending();
        Dictionary<string, string?>? expected;
        lock (_pendingLock)
        {
            expected = _preview is { } p && p.Version == version ? p.Hashes : null;
        }

        var result = await ApplyCoreAsync(operations, "edit " + (_state.Batches.Count + 1), expected, consumesPending: true, cancellationToken).ConfigureAwait(false);
        lock (_pendingLock)
        {
            if (_pendingVersion == version)
            {
                _pending.Clear();
            }
            else
            {
                _pending.RemoveRange(0, Math.Min(operations.Count, _pending.Count));
            }

            _pendingVersion++;
            _preview = null;
        }

        return result;
    }

    private static JsonElement ToJson<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo) =>
        JsonSerializer.SerializeToElement(value, typeInfo);
}

using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Sessions.Sdk;

/// <summary>Represents one durable plan: its steps, review (revise, approve, reject) and execution, kept in a session of kind <c>plan</c>.</summary>
/// <remarks>
/// Every state change is persisted as a state event in the session's transcript before the call that made it returns
/// (and, during execution, before the next scheduling decision), so <see cref="IPlanSessionManager.OpenAsync"/> in another
/// process sees exactly what happened. Thread-safe; one execution at a time per object. Two processes must not execute the
/// same plan at once.
/// </remarks>
[SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "The SemaphoreSlim never allocates a wait handle (AvailableWaitHandle is not used).")]
public sealed partial class PlanSession
{
    private readonly PlanSessionManager _manager;
    private readonly PlanStateFolder _folder;
    private readonly SemaphoreSlim _stateGate = new(1, 1);
    private readonly List<Channel<PlanProgress>> _watchers = [];
    private Plan _plan;
    private int _executing;

    internal PlanSession(PlanSessionManager manager, Session session, PlanStateFolder folder)
    {
        _manager = manager;
        Session = session;
        _folder = folder;
        _plan = folder.Plan ?? throw new InvalidOperationException("A plan session needs a folded plan.");
    }

    /// <summary>Gets the plan's session (kind <c>plan</c>): its transcript holds the model exchanges and the plan's state events.</summary>
    public Session Session { get; }

    /// <summary>Gets the plan as it stands now.</summary>
    public Plan Plan => Volatile.Read(ref _plan);

    /// <summary>Asks the model to revise the plan; the revised plan needs approval again.</summary>
    /// <param name="instructions">What to change, such as <c>Add a step for rate limiting</c>.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the revised plan is stored.</returns>
    /// <remarks>Completed steps that are unchanged, and whose dependencies are all unchanged, keep their results.</remarks>
    /// <exception cref="ArgumentException"><paramref name="instructions"/> is null, empty or white space.</exception>
    /// <exception cref="InvalidOperationException">The plan is executing or completed.</exception>
    /// <exception cref="PlanValidationException">The model's reply was invalid twice; the plan is unchanged.</exception>
    public async Task ReviseAsync(string instructions, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instructions);
        EnsureEditable();
        var (title, steps) = await PlanWriter.ReviseAsync(Session, Plan, instructions, _manager.Options, _manager.Logger, cancellationToken).ConfigureAwait(false);
        await ReviseCoreAsync(title, steps, instructions, "model", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Replaces the plan's steps with edited ones; the revised plan needs approval again.</summary>
    /// <param name="steps">The new steps (id, title, description, dependencies); validated like explicit steps at creation.</param>
    /// <param name="title">The new title; <see langword="null"/> keeps the current one.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the revised plan is stored.</returns>
    /// <remarks>Completed steps that are unchanged, and whose dependencies are all unchanged, keep their results.</remarks>
    /// <exception cref="ArgumentException">A step is invalid (the message names it), ids repeat, a dependency is unknown or cyclic, or there are too many steps.</exception>
    /// <exception cref="InvalidOperationException">The plan is executing or completed.</exception>
    public async Task ReviseAsync(IEnumerable<PlanStep> steps, string? title = null, CancellationToken cancellationToken = default)
    {
        var definitions = PlanValidator.ValidateExplicit(steps, _manager.Options.MaxSteps, nameof(steps));
        EnsureEditable();
        await ReviseCoreAsync(title ?? Plan.Title, definitions, null, "user", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Approves the plan so it can execute; the approval is persisted. Runs the plan when <see cref="PlanningOptions.AutoExecute"/> is set.</summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests (also of the automatic execution).</param>
    /// <returns>A task that completes when the approval is stored (and, with auto-execute, the plan has run).</returns>
    /// <remarks>Approving an approved plan does nothing.</remarks>
    /// <exception cref="InvalidOperationException">The plan is executing or completed.</exception>
    public async Task ApproveAsync(CancellationToken cancellationToken = default)
    {
        var plan = Plan;
        if (plan.ApprovedAt is null)
        {
            EnsureEditable();
            await RecordAsync(PlanEvents.Approved, new PlanStateEvent { At = Now }, PlanProgressKind.PlanStatusChanged, cancellationToken).ConfigureAwait(false);
            PlanningLog.PlanApproved(_manager.Logger, plan.Id);
        }

        if (_manager.Options.AutoExecute)
        {
            await ExecuteAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Rejects the plan: it is cancelled and will not execute unless revised or approved later.</summary>
    /// <param name="reason">Why, kept with the plan; <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the rejection is stored.</returns>
    /// <exception cref="InvalidOperationException">The plan is executing or completed.</exception>
    public async Task RejectAsync(string? reason = null, CancellationToken cancellationToken = default)
    {
        EnsureEditable();
        await RecordAsync(PlanEvents.Rejected, new PlanStateEvent { At = Now, Reason = reason ?? string.Empty }, PlanProgressKind.PlanStatusChanged, cancellationToken).ConfigureAwait(false);
        PlanningLog.PlanRejected(_manager.Logger, Plan.Id);
    }

    /// <summary>Streams the plan's events as they are persisted, from the moment of the call, until the token is cancelled.</summary>
    /// <param name="cancellationToken">Ends the stream (with <see cref="OperationCanceledException"/>).</param>
    /// <returns>The events, in the order they were persisted.</returns>
    /// <remarks>For UIs: start watching, then execute. A slow reader never slows the plan (events are buffered). Dry runs store nothing and report only through <see cref="IProgress{T}"/>.</remarks>
    public async IAsyncEnumerable<PlanProgress> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateUnbounded<PlanProgress>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        lock (_watchers)
        {
            _watchers.Add(channel);
        }

        try
        {
            while (true)
            {
                var item = await channel.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                yield return item;
            }
        }
        finally
        {
            lock (_watchers)
            {
                _watchers.Remove(channel);
            }
        }
    }

    internal DateTimeOffset Now => _manager.TimeProvider.GetUtcNow();


    /// <summary>Persists one state event, then applies it to the plan and tells the watchers; events are persisted one at a time, in order.</summary>
    /// <remarks>When the append fails nothing changes in memory.</remarks>
    internal async Task<PlanProgress> RecordAsync(string eventName, PlanStateEvent e, PlanProgressKind kind, CancellationToken cancellationToken)
    {
        var batch = new PlanEventBatch();
        batch.Add(eventName, e, kind);
        await CommitAsync(batch, progress: null, cancellationToken).ConfigureAwait(false);
        return batch.Reported[0];
    }

    /// <summary>
    /// Persists a batch of state events as one append (one record, stored whole or not at all), then applies them in order,
    /// tells the watchers and reports them to <paramref name="progress"/>; the batch is cleared afterwards.
    /// </summary>
    /// <remarks>
    /// Each event is serialized once, with the source-generated context. When the append fails nothing changes in memory and
    /// the batch is kept. The execution passes <see cref="CancellationToken.None"/> for outcomes that must be recorded.
    /// </remarks>
    internal async Task CommitAsync(PlanEventBatch batch, IProgress<PlanProgress>? progress, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return;
        }

        await _stateGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var contents = new SessionStateContent[batch.Count];
            for (int i = 0; i < contents.Length; i++)
            {
                var (name, e, _) = batch[i];
                contents[i] = new SessionStateContent(PlanEvents.StateType, name, e.ToJson());
            }

            await PlanSessionChannel.AppendStateAsync(Session, contents, cancellationToken).ConfigureAwait(false);
            batch.Reported.Clear();
            for (int i = 0; i < batch.Count; i++)
            {
                var (name, e, kind) = batch[i];
                var step = _folder.Apply(name, e);
                batch.Reported.Add(new PlanProgress
                {
                    Kind = kind,
                    PlanId = Session.Id,
                    PlanStatus = _folder.Status,
                    Step = step,
                    CompletedSteps = _folder.CompletedCount,
                    TotalSteps = _folder.StepCount,
                    Timestamp = e.At,
                });
            }

            Volatile.Write(ref _plan, _folder.Plan!);
            foreach (var reported in batch.Reported)
            {
                Publish(reported);
            }
        }
        finally
        {
            _stateGate.Release();
        }

        batch.Clear();
        if (progress is not null)
        {
            foreach (var reported in batch.Reported)
            {
                progress.Report(reported);
            }
        }
    }

    private void Publish(PlanProgress progress)
    {
        lock (_watchers)
        {
            foreach (var watcher in _watchers)
            {
                watcher.Writer.TryWrite(progress);
            }
        }
    }

    private async Task ReviseCoreAsync(string title, List<PlanStepDefinition> steps, string? instructions, string origin, CancellationToken cancellationToken)
    {
        await RecordAsync(
            PlanEvents.Revised,
            new PlanStateEvent { At = Now, Title = title, Steps = steps, Instructions = instructions, Origin = origin, RequireApproval = _manager.Options.RequireApproval },
            PlanProgressKind.PlanChanged,
            cancellationToken).ConfigureAwait(false);
        PlanningLog.PlanRevised(_manager.Logger, Plan.Id, Plan.Revision, steps.Count);
    }

    private void EnsureEditable()
    {
        var plan = Plan;
        if (Volatile.Read(ref _executing) != 0)
        {
            throw new InvalidOperationException($"Plan '{plan.Id}' is executing; wait for ExecuteAsync to finish (or cancel it) before changing the plan.");
        }

        if (plan.Status == PlanStatus.Completed)
        {
            throw new InvalidOperationException($"Plan '{plan.Id}' is completed; create a new plan instead of changing this one.");
        }
    }
}

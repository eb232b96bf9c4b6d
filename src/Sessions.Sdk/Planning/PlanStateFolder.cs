namespace Sessions.Sdk;

/// <summary>Folds plan state events, in order, into the current <see cref="Plan"/>; pure and deterministic.</summary>
/// <remarks>
/// Not thread-safe: <see cref="PlanSession"/> applies events under its state gate. Step events change the step table in
/// place; the immutable <see cref="Plan"/> snapshot is built once, when it is next read, so a batch of events costs one copy
/// of the step table instead of one per event.
/// </remarks>
internal sealed class PlanStateFolder
{
    private readonly string _planId;
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private PlanStep[] _steps = [];

    // The plan's own fields (title, status, approval, ...); its Steps and UpdatedAt are refreshed when a snapshot is taken.
    private Plan? _header;
    private Plan? _snapshot;
    private DateTimeOffset _updatedAt;

    public PlanStateFolder(string planId)
    {
        _planId = planId;
    }

    /// <summary>Gets the plan folded so far; <see langword="null"/> before <c>plan.created</c>.</summary>
    public Plan? Plan
    {
        get
        {
            if (_snapshot is null && _header is not null)
            {
                _snapshot = _header with { Steps = [.. _steps], UpdatedAt = _updatedAt };
            }

            return _snapshot;
        }
    }

    /// <summary>Gets the plan's status after the events applied so far (without building a snapshot).</summary>
    public PlanStatus Status => _header?.Status ?? PlanStatus.Planning;

    /// <summary>Gets how many steps are completed after the events applied so far.</summary>
    public int CompletedCount { get; private set; }

    /// <summary>Gets how many steps the plan has.</summary>
    public int StepCount => _steps.Length;

    /// <summary>Gets how many events were applied.</summary>
    public int EventCount { get; private set; }

    /// <summary>Gets a step as it stands after the events applied so far.</summary>
    /// <exception cref="KeyNotFoundException">The plan has no such step.</exception>
    public PlanStep GetStep(string stepId) =>
        _index.TryGetValue(stepId, out int i) ? _steps[i] : throw new KeyNotFoundException($"Plan '{_planId}' has no step '{stepId}'.");

    /// <summary>Applies one event; returns the step it changed, if any.</summary>
    /// <exception cref="SessionFormatException">The event does not fit the state (unknown name, unknown step, missing field, before creation).</exception>
    public PlanStep? Apply(string eventName, PlanStateEvent e)
    {
        ArgumentNullException.ThrowIfNull(eventName);
        ArgumentNullException.ThrowIfNull(e);
        EventCount++;
        if (eventName == PlanEvents.Created)
        {
            if (_header is not null)
            {
                throw Malformed("a second plan.created event");
            }

            SetSteps(e.Steps ?? throw Malformed("plan.created without steps"), keepFrom: null);
            bool approvalNeeded = e.RequireApproval ?? true;
            _header = new Plan
            {
                Id = _planId,
                Goal = e.Goal ?? string.Empty,
                Title = e.Title ?? string.Empty,
                Status = approvalNeeded ? PlanStatus.AwaitingApproval : PlanStatus.Approved,
                CreatedAt = e.At,
            };
            _updatedAt = e.At;
            _snapshot = null;
            return null;
        }

        var plan = _header ?? throw Malformed($"'{eventName}' before plan.created");
        PlanStep? changed = null;
        switch (eventName)
        {
            case PlanEvents.Revised:
                SetSteps(e.Steps ?? throw Malformed("plan.revised without steps"), keepFrom: _steps);
                _header = plan with
                {
                    Title = e.Title ?? plan.Title,
                    Status = (e.RequireApproval ?? true) ? PlanStatus.AwaitingApproval : PlanStatus.Approved,
                    Revision = plan.Revision + 1,
                    ApprovedAt = null,
                    RejectionReason = null,
                };
                break;
            case PlanEvents.Approved:
                _header = plan with { Status = PlanStatus.Approved, ApprovedAt = e.At, RejectionReason = null };
                break;
            case PlanEvents.Rejected:
                _header = plan with { Status = PlanStatus.Cancelled, ApprovedAt = null, RejectionReason = e.Reason ?? string.Empty };
                break;
            case PlanEvents.ExecutionStarted:
                _header = plan with { Status = PlanStatus.Executing };
                break;
            case PlanEvents.ExecutionEnded:
                _header = plan with { Status = e.Status ?? throw Malformed("execution.ended without a status") };
                break;
            case PlanEvents.StepStarted:
                changed = Update(e, s => s with
                {
                    Status = PlanStepStatus.Running,
                    Attempts = s.Attempts + 1,
                    StartedAt = e.At,
                    CompletedAt = null,
                    Error = null,
                    Output = null,
                });
                break;
            case PlanEvents.StepCompleted:
                changed = Update(e, s => s with { Status = PlanStepStatus.Completed, Output = e.Output ?? string.Empty, Error = null, CompletedAt = e.At });
                break;
            case PlanEvents.StepFailed:
                changed = Update(e, s => e.Final == true
                    ? s with { Status = e.TimedOut == true ? PlanStepStatus.TimedOut : PlanStepStatus.Failed, Error = e.Error, CompletedAt = e.At }
                    : s with { Status = PlanStepStatus.Pending, Error = e.Error });
                break;
            case PlanEvents.StepSkipped:
                changed = Update(e, s => s with { Status = PlanStepStatus.Skipped, Error = e.Reason, CompletedAt = e.At });
                break;
            case PlanEvents.StepCancelled:
                changed = Update(e, s => s with { Status = PlanStepStatus.Cancelled, Error = e.Reason, CompletedAt = e.At });
                break;
            default:
                throw Malformed($"an unknown event '{eventName}'");
        }

        if (e.At > _updatedAt)
        {
            _updatedAt = e.At;
        }

        _snapshot = null;
        return changed;
    }

    /// <summary>Replaces the steps; a step kept from before keeps its execution state when it and every step it depends on are unchanged and completed.</summary>
    private void SetSteps(IReadOnlyList<PlanStepDefinition> definitions, PlanStep[]? keepFrom)
    {
        var old = new Dictionary<string, PlanStep>(StringComparer.Ordinal);
        if (keepFrom is not null)
        {
            foreach (var s in keepFrom)
            {
                old[s.Id] = s;
            }
        }

        var steps = new PlanStep[definitions.Count];
        _index.Clear();
        for (int i = 0; i < definitions.Count; i++)
        {
            var d = definitions[i];
            steps[i] = d.ToStep();
            _index[d.Id] = i;
        }

        // Keep completed results only where the whole upstream is unchanged and completed: a changed dependency invalidates its dependents.
        var kept = new Dictionary<string, bool>(StringComparer.Ordinal);
        bool Keep(string id, int depth)
        {
            if (kept.TryGetValue(id, out bool k))
            {
                return k;
            }

            kept[id] = false; // guards against cycles in a malformed log
            var d = definitions[_index[id]];
            bool result = depth < 10_000
                && old.TryGetValue(id, out var previous)
                && previous.IsCompleted
                && d.SameAs(previous)
                && (d.Dependencies ?? []).All(dep => _index.ContainsKey(dep) && Keep(dep, depth + 1));
            kept[id] = result;
            return result;
        }

        int completed = 0;
        for (int i = 0; i < steps.Length; i++)
        {
            if (Keep(steps[i].Id, 0))
            {
                steps[i] = old[steps[i].Id];
                completed++;
            }
        }

        _steps = steps;
        CompletedCount = completed;
    }

    private PlanStep Update(PlanStateEvent e, Func<PlanStep, PlanStep> change)
    {
        if (e.StepId is null || !_index.TryGetValue(e.StepId, out int i))
        {
            throw Malformed($"an event for unknown step '{e.StepId}'");
        }

        var before = _steps[i];
        var updated = change(before);
        _steps[i] = updated;
        CompletedCount += (updated.IsCompleted ? 1 : 0) - (before.IsCompleted ? 1 : 0);
        return updated;
    }

    private SessionFormatException Malformed(string what) =>
        new($"Plan session '{_planId}' holds {what} (event #{EventCount}); its plan state cannot be folded.", _planId);
}

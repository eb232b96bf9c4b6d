namespace Sessions.Sdk;

/// <summary>Folds plan state events, in order, into the current <see cref="Plan"/>; pure and deterministic.</summary>
/// <remarks>Not thread-safe: <see cref="PlanSession"/> applies events under its state gate.</remarks>
internal sealed class PlanStateFolder
{
    private readonly string _planId;
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private PlanStep[] _steps = [];
    private Plan? _plan;

    public PlanStateFolder(string planId)
    {
        _planId = planId;
    }

    /// <summary>Gets the plan folded so far; <see langword="null"/> before <c>plan.created</c>.</summary>
    public Plan? Plan => _plan;

    /// <summary>Gets how many events were applied.</summary>
    public int EventCount { get; private set; }

    /// <summary>Applies one event; returns the step it changed, if any.</summary>
    /// <exception cref="SessionFormatException">The event does not fit the state (unknown name, unknown step, missing field, before creation).</exception>
    public PlanStep? Apply(string eventName, PlanStateEvent e)
    {
        ArgumentNullException.ThrowIfNull(eventName);
        ArgumentNullException.ThrowIfNull(e);
        EventCount++;
        if (eventName == PlanEvents.Created)
        {
            if (_plan is not null)
            {
                throw Malformed("a second plan.created event");
            }

            SetSteps(e.Steps ?? throw Malformed("plan.created without steps"), keepFrom: null);
            bool approvalNeeded = e.RequireApproval ?? true;
            _plan = new Plan
            {
                Id = _planId,
                Goal = e.Goal ?? string.Empty,
                Title = e.Title ?? string.Empty,
                Status = approvalNeeded ? PlanStatus.AwaitingApproval : PlanStatus.Approved,
                Steps = [.. _steps],
                CreatedAt = e.At,
                UpdatedAt = e.At,
            };
            return null;
        }

        var plan = _plan ?? throw Malformed($"'{eventName}' before plan.created");
        PlanStep? changed = null;
        switch (eventName)
        {
            case PlanEvents.Revised:
                SetSteps(e.Steps ?? throw Malformed("plan.revised without steps"), keepFrom: _steps);
                plan = plan with
                {
                    Title = e.Title ?? plan.Title,
                    Status = (e.RequireApproval ?? true) ? PlanStatus.AwaitingApproval : PlanStatus.Approved,
                    Revision = plan.Revision + 1,
                    ApprovedAt = null,
                    RejectionReason = null,
                };
                break;
            case PlanEvents.Approved:
                plan = plan with { Status = PlanStatus.Approved, ApprovedAt = e.At, RejectionReason = null };
                break;
            case PlanEvents.Rejected:
                plan = plan with { Status = PlanStatus.Cancelled, ApprovedAt = null, RejectionReason = e.Reason ?? string.Empty };
                break;
            case PlanEvents.ExecutionStarted:
                plan = plan with { Status = PlanStatus.Executing };
                break;
            case PlanEvents.ExecutionEnded:
                plan = plan with { Status = e.Status ?? throw Malformed("execution.ended without a status") };
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

        _plan = plan with { Steps = changed is null && eventName != PlanEvents.Revised ? plan.Steps : [.. _steps], UpdatedAt = e.At > plan.UpdatedAt ? e.At : plan.UpdatedAt };
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

        for (int i = 0; i < steps.Length; i++)
        {
            if (Keep(steps[i].Id, 0))
            {
                steps[i] = old[steps[i].Id];
            }
        }

        _steps = steps;
    }

    private PlanStep Update(PlanStateEvent e, Func<PlanStep, PlanStep> change)
    {
        if (e.StepId is null || !_index.TryGetValue(e.StepId, out int i))
        {
            throw Malformed($"an event for unknown step '{e.StepId}'");
        }

        var updated = change(_steps[i]);
        _steps[i] = updated;
        return updated;
    }

    private SessionFormatException Malformed(string what) =>
        new($"Plan session '{_planId}' holds {what} (event #{EventCount}); its plan state cannot be folded.", _planId);
}

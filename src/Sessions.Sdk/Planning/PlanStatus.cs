namespace Sessions.Sdk;

/// <summary>Identifies where a plan is in its life: written, reviewed, executed.</summary>
public enum PlanStatus
{
    /// <summary>The model is writing the plan.</summary>
    Planning,

    /// <summary>The plan is written and waits for <see cref="PlanSession.ApproveAsync"/> or <see cref="PlanSession.RejectAsync"/>.</summary>
    AwaitingApproval,

    /// <summary>The plan may be executed.</summary>
    Approved,

    /// <summary>The plan's steps are running (or were, when the process that ran them died).</summary>
    Executing,

    /// <summary>Every step completed.</summary>
    Completed,

    /// <summary>A step failed or timed out; its dependents were skipped.</summary>
    Failed,

    /// <summary>The execution was cancelled by the caller, or the plan was rejected.</summary>
    Cancelled,
}

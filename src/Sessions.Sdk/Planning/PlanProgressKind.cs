namespace Sessions.Sdk;

/// <summary>Identifies what a <see cref="PlanProgress"/> report is about.</summary>
public enum PlanProgressKind
{
    /// <summary>The plan was created or revised (its steps changed).</summary>
    PlanChanged,

    /// <summary>The plan's status changed (approved, rejected, executing, completed, failed, cancelled).</summary>
    PlanStatusChanged,

    /// <summary>A step's executor was started.</summary>
    StepStarted,

    /// <summary>A step's attempt failed or timed out and the step will be tried again.</summary>
    StepRetrying,

    /// <summary>A step reached a final status (completed, failed, timed out, skipped or cancelled).</summary>
    StepFinished,

    /// <summary>A dry run reports a step it would run.</summary>
    StepPlanned,
}

namespace Sessions.Sdk;

/// <summary>Identifies where one step of a plan is.</summary>
public enum PlanStepStatus
{
    /// <summary>The step has not run yet.</summary>
    Pending,

    /// <summary>The step's executor is running (or was, when the process that ran it died).</summary>
    Running,

    /// <summary>The step completed; its output is kept and it never runs again.</summary>
    Completed,

    /// <summary>The step failed on its last allowed attempt.</summary>
    Failed,

    /// <summary>The step exceeded <see cref="PlanningOptions.StepTimeout"/> on its last allowed attempt.</summary>
    TimedOut,

    /// <summary>The step did not run because a step it depends on did not complete.</summary>
    Skipped,

    /// <summary>The caller cancelled the execution while the step was running.</summary>
    Cancelled,
}

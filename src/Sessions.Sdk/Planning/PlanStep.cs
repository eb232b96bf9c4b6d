namespace Sessions.Sdk;

/// <summary>Represents one step of a plan: what to do, what it depends on, and how its execution went.</summary>
/// <remarks>Also the input type for explicit steps, where only <see cref="Id"/>, <see cref="Title"/>, <see cref="Description"/> and <see cref="Dependencies"/> are read.</remarks>
public sealed record PlanStep
{
    /// <summary>Gets the step's id, unique within its plan (for example <c>step-1</c>).</summary>
    public required string Id { get; init; }

    /// <summary>Gets the step's short title.</summary>
    public required string Title { get; init; }

    /// <summary>Gets what the step should do, in more detail.</summary>
    public string Description { get; init; } = string.Empty;

    /// <summary>Gets the ids of the steps that must complete before this one starts.</summary>
    public IReadOnlyList<string> Dependencies { get; init; } = [];

    /// <summary>Gets the step's status.</summary>
    public PlanStepStatus Status { get; init; }

    /// <summary>Gets the output of the step's executor once it completed.</summary>
    public string? Output { get; init; }

    /// <summary>Gets why the step failed, timed out, was skipped or cancelled; the last attempt's error while it is retried.</summary>
    public string? Error { get; init; }

    /// <summary>Gets how many times the step's executor was started, over every execution of the plan.</summary>
    public int Attempts { get; init; }

    /// <summary>Gets when the step's latest attempt started.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>Gets when the step reached a final status (completed, failed, timed out, skipped or cancelled).</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>Gets a value indicating whether the step completed (and so never runs again).</summary>
    public bool IsCompleted => Status == PlanStepStatus.Completed;
}

namespace Sessions.Sdk;

/// <summary>Represents the outcome of one <see cref="PlanSession.ExecuteAsync(PlanExecutionOptions?, IProgress{PlanProgress}?, CancellationToken)"/> call.</summary>
public sealed record PlanResult
{
    /// <summary>Gets the plan as it stands after the execution (unchanged for a dry run).</summary>
    public required Plan Plan { get; init; }

    /// <summary>Gets the plan's status after the execution.</summary>
    public PlanStatus Status => Plan.Status;

    /// <summary>Gets a value indicating whether this was a dry run (nothing executed, nothing stored).</summary>
    public bool IsDryRun { get; init; }

    /// <summary>Gets the ids of the steps this call ran (or, for a dry run, would run), in the order they started.</summary>
    public IReadOnlyList<string> ExecutedStepIds { get; init; } = [];

    /// <summary>Gets the order a dry run would run the unfinished steps in: waves of steps whose dependencies are met by the waves before.</summary>
    /// <remarks>Empty for a real execution.</remarks>
    public IReadOnlyList<IReadOnlyList<string>> Schedule { get; init; } = [];

    /// <summary>Gets how long the call took.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Gets a value indicating whether every step completed.</summary>
    public bool Succeeded => Plan.Status == PlanStatus.Completed;
}

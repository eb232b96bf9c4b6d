namespace Sessions.Sdk;

/// <summary>Represents one plan event, reported through <see cref="IProgress{T}"/> and <see cref="PlanSession.WatchAsync"/> once it is persisted.</summary>
public sealed record PlanProgress
{
    /// <summary>Gets what the event is about.</summary>
    public required PlanProgressKind Kind { get; init; }

    /// <summary>Gets the plan's id.</summary>
    public required string PlanId { get; init; }

    /// <summary>Gets the plan's status after the event.</summary>
    public required PlanStatus PlanStatus { get; init; }

    /// <summary>Gets the step the event is about, if any.</summary>
    public PlanStep? Step { get; init; }

    /// <summary>Gets how many steps are completed after the event.</summary>
    public int CompletedSteps { get; init; }

    /// <summary>Gets how many steps the plan has.</summary>
    public int TotalSteps { get; init; }

    /// <summary>Gets when the event happened.</summary>
    public DateTimeOffset Timestamp { get; init; }
}

using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sessions.Sdk;

/// <summary>The payload of one plan state event (state type <c>plan</c>); which fields are set depends on the event name.</summary>
/// <remarks>
/// Persisted in the plan session's transcript as a <c>SessionStateContent</c>, one event per state change, and folded
/// by <see cref="PlanStateFolder"/> on open. Field names are stable; <c>v</c> is the payload's schema version.
/// </remarks>
internal sealed record PlanStateEvent
{
    /// <summary>The schema version this library writes and the newest it reads.</summary>
    public const int CurrentVersion = 1;

    [JsonPropertyName("v")]
    public int Version { get; init; } = CurrentVersion;

    public DateTimeOffset At { get; init; }

    public string? Goal { get; init; }

    public string? Title { get; init; }

    public IReadOnlyList<PlanStepDefinition>? Steps { get; init; }

    public bool? RequireApproval { get; init; }

    public string? Origin { get; init; }

    public string? Instructions { get; init; }

    public string? Reason { get; init; }

    public string? StepId { get; init; }

    public int? Attempt { get; init; }

    public string? Output { get; init; }

    public string? Error { get; init; }

    public bool? TimedOut { get; init; }

    public bool? Final { get; init; }

    public PlanStatus? Status { get; init; }

    public JsonElement ToJson() => JsonSerializer.SerializeToElement(this, PlanJsonContext.Default.PlanStateEvent);

    public static PlanStateEvent FromJson(JsonElement data, string sessionId)
    {
        PlanStateEvent? value;
        try
        {
            value = data.Deserialize(PlanJsonContext.Default.PlanStateEvent);
        }
        catch (JsonException ex)
        {
            throw new SessionFormatException($"Plan session '{sessionId}' holds a malformed plan state event: {ex.Message}", sessionId, ex);
        }

        if (value is null)
        {
            throw new SessionFormatException($"Plan session '{sessionId}' holds an empty plan state event.", sessionId);
        }

        if (value.Version > CurrentVersion)
        {
            throw new SessionFormatException($"Plan session '{sessionId}' holds a plan state event of version {value.Version}; this library reads versions up to {CurrentVersion}. Upgrade Sessions.Sdk.", sessionId);
        }

        return value;
    }
}

/// <summary>The persisted definition of one step: what was written, never how it ran.</summary>
internal sealed record PlanStepDefinition
{
    public required string Id { get; init; }

    public required string Title { get; init; }

    public string? Description { get; init; }

    public IReadOnlyList<string>? Dependencies { get; init; }

    public static PlanStepDefinition From(PlanStep step) => new()
    {
        Id = step.Id,
        Title = step.Title,
        Description = step.Description,
        Dependencies = step.Dependencies,
    };

    public bool SameAs(PlanStep step) =>
        string.Equals(Id, step.Id, StringComparison.Ordinal)
        && string.Equals(Title, step.Title, StringComparison.Ordinal)
        && string.Equals(Description ?? string.Empty, step.Description, StringComparison.Ordinal)
        && (Dependencies ?? []).SequenceEqual(step.Dependencies, StringComparer.Ordinal);

    public PlanStep ToStep() => new()
    {
        Id = Id,
        Title = Title,
        Description = Description ?? string.Empty,
        Dependencies = Dependencies ?? [],
    };
}

/// <summary>The names of the plan state events.</summary>
internal static class PlanEvents
{
    public const string StateType = "plan";
    public const string Created = "plan.created";
    public const string Revised = "plan.revised";
    public const string Approved = "plan.approved";
    public const string Rejected = "plan.rejected";
    public const string ExecutionStarted = "execution.started";
    public const string ExecutionEnded = "execution.ended";
    public const string StepStarted = "step.started";
    public const string StepCompleted = "step.completed";
    public const string StepFailed = "step.failed";
    public const string StepSkipped = "step.skipped";
    public const string StepCancelled = "step.cancelled";
}

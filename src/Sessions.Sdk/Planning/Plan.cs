using System.Text.Json;

namespace Sessions.Sdk;

/// <summary>Represents a plan: a goal, a title, and steps with dependencies, folded from the plan session's state events.</summary>
/// <remarks>Immutable: every change produces a new <see cref="Plan"/>, read through <see cref="PlanSession.Plan"/>.</remarks>
public sealed record Plan
{
    /// <summary>Gets the JSON schema a model-written plan must match: a <c>title</c> and <c>steps</c> with <c>id</c>, <c>title</c>, <c>description</c> and <c>dependencies</c>.</summary>
    public static JsonElement JsonSchema => PlanWriter.Schema;

    /// <summary>Gets the plan's id (the id of its session).</summary>
    public required string Id { get; init; }

    /// <summary>Gets the goal the plan was written for.</summary>
    public required string Goal { get; init; }

    /// <summary>Gets the plan's title.</summary>
    public required string Title { get; init; }

    /// <summary>Gets the plan's status.</summary>
    public PlanStatus Status { get; init; }

    /// <summary>Gets the steps, in the order they were written.</summary>
    public IReadOnlyList<PlanStep> Steps { get; init; } = [];

    /// <summary>Gets how many times the plan was revised since it was created.</summary>
    public int Revision { get; init; }

    /// <summary>Gets when the plan was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets when the plan last changed.</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Gets when the current revision was approved; <see langword="null"/> while it is not.</summary>
    public DateTimeOffset? ApprovedAt { get; init; }

    /// <summary>Gets why the plan was rejected, when it was.</summary>
    public string? RejectionReason { get; init; }

    /// <summary>Gets a step by id.</summary>
    /// <param name="stepId">The step's id.</param>
    /// <returns>The step.</returns>
    /// <exception cref="KeyNotFoundException">The plan has no step with that id.</exception>
    public PlanStep GetStep(string stepId)
    {
        ArgumentNullException.ThrowIfNull(stepId);
        foreach (var step in Steps)
        {
            if (string.Equals(step.Id, stepId, StringComparison.Ordinal))
            {
                return step;
            }
        }

        throw new KeyNotFoundException($"Plan '{Id}' has no step '{stepId}'.");
    }

    /// <summary>Renders the plan as a Markdown checklist: one numbered item per step with its description and dependencies.</summary>
    /// <returns>The Markdown text.</returns>
    public string ToMarkdown() => PlanRenderer.ToMarkdown(this);

    /// <summary>Renders the plan as YAML: a <c>plan</c> mapping with id, title, goal, status and the steps.</summary>
    /// <returns>The YAML text.</returns>
    public string ToYaml() => PlanRenderer.ToYaml(this);
}

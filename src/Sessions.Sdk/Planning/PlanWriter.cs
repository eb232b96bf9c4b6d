using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Sessions.Sdk;

/// <summary>Asks the model for a plan (or a revision) as JSON against the published schema, validates it and asks once for a repair.</summary>
internal static class PlanWriter
{
    public const string DefaultSystemPrompt =
        "You are a careful planner. You break a goal into a small number of concrete, verifiable steps with explicit " +
        "dependencies between them, and, when asked to carry out a step, you do exactly that step and report its result.";

    internal static readonly JsonElement Schema = JsonDocument.Parse(PlanDraft.SchemaJson).RootElement.Clone();

    public static Task<(string Title, List<PlanStepDefinition> Steps)> WriteAsync(Session session, string goal, PlanningOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        var prompt = new StringBuilder()
            .Append("Write a plan for this goal:\n\n").Append(goal).Append("\n\n")
            .Append(Rules(options.MaxSteps))
            .ToString();
        return AskAsync(session, prompt, options, logger, cancellationToken);
    }

    public static Task<(string Title, List<PlanStepDefinition> Steps)> ReviseAsync(Session session, Plan plan, string instructions, PlanningOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        var current = new PlanDraft
        {
            Title = plan.Title,
            Steps = [.. plan.Steps.Select(s => (PlanDraftStep?)new PlanDraftStep { Id = s.Id, Title = s.Title, Description = s.Description, Dependencies = [.. s.Dependencies] })],
        };
        var prompt = new StringBuilder()
            .Append("Revise the plan for the goal \"").Append(plan.Goal).Append("\" as follows:\n\n").Append(instructions).Append("\n\n")
            .Append("The current plan:\n").Append(JsonSerializer.Serialize(current, PlanJsonContext.Default.PlanDraft)).Append("\n\n")
            .Append("Reply with the complete revised plan (keep the ids of unchanged steps). ")
            .Append(Rules(options.MaxSteps))
            .ToString();
        return AskAsync(session, prompt, options, logger, cancellationToken);
    }

    private static string Rules(int maxSteps) =>
        $"Reply with only one JSON object (no prose, no code fence) matching this JSON schema:\n{PlanDraft.SchemaJson}\n" +
        $"Rules: at most {maxSteps} steps; every id unique (step-1, step-2, ...); dependencies name ids of other steps of this plan; no dependency cycles.";

    private static async Task<(string Title, List<PlanStepDefinition> Steps)> AskAsync(Session session, string prompt, PlanningOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        var chatOptions = options.UseJsonSchemaResponseFormat
            ? new ChatOptions { ResponseFormat = ChatResponseFormat.ForJsonSchema(Schema, "plan", "A plan: a title and steps with dependencies.") }
            : null;
        var response = await PlanSessionChannel.SendAsync(session, prompt, chatOptions, cancellationToken).ConfigureAwait(false);
        var (title, steps, errors) = PlanDraft.Parse(response.Text, options.MaxSteps);
        if (errors.Count == 0)
        {
            return (title, steps);
        }

        PlanningLog.PlanRepairRequested(logger, session.Id, errors.Count);
        var repair = new StringBuilder("Your plan is not valid:\n");
        foreach (var error in errors)
        {
            repair.Append("- ").Append(error).Append('\n');
        }

        repair.Append("\nReply again with the complete corrected plan: only one JSON object matching the schema.");
        response = await PlanSessionChannel.SendAsync(session, repair.ToString(), chatOptions?.Clone(), cancellationToken).ConfigureAwait(false);
        (title, steps, errors) = PlanDraft.Parse(response.Text, options.MaxSteps);
        if (errors.Count == 0)
        {
            return (title, steps);
        }

        throw new PlanValidationException(errors, response.Text);
    }
}

using System.Text.Json;

namespace Sessions.Sdk;

/// <summary>A plan as the model writes it (the published schema), before validation; every field may be missing.</summary>
internal sealed record PlanDraft
{
    public string? Title { get; init; }

    public List<PlanDraftStep?>? Steps { get; init; }

    /// <summary>The published JSON schema of a model-written plan: a title and steps with id, title, description and dependencies.</summary>
    public const string SchemaJson = """
        {
          "type": "object",
          "properties": {
            "title": { "type": "string", "description": "A short title for the whole plan." },
            "steps": {
              "type": "array",
              "description": "The steps, in a sensible order.",
              "items": {
                "type": "object",
                "properties": {
                  "id": { "type": "string", "description": "A unique id such as step-1." },
                  "title": { "type": "string", "description": "What the step does, in a few words." },
                  "description": { "type": "string", "description": "What the step does, in detail." },
                  "dependencies": { "type": "array", "items": { "type": "string" }, "description": "Ids of the steps that must complete first." }
                },
                "required": ["id", "title", "description", "dependencies"],
                "additionalProperties": false
              }
            }
          },
          "required": ["title", "steps"],
          "additionalProperties": false
        }
        """;

    /// <summary>Parses and validates a model reply; returns the title and steps, or the errors to show the model.</summary>
    public static (string Title, List<PlanStepDefinition> Steps, List<string> Errors) Parse(string reply, int maxSteps)
    {
        var errors = new List<string>();
        var json = ExtractJson(reply);
        if (json is null)
        {
            errors.Add("The reply contains no JSON object; reply with only the plan as one JSON object matching the schema.");
            return (string.Empty, [], errors);
        }

        PlanDraft? draft;
        try
        {
            draft = JsonSerializer.Deserialize(json, PlanJsonContext.Default.PlanDraft);
        }
        catch (JsonException ex)
        {
            errors.Add($"The reply is not valid plan JSON: {ex.Message}");
            return (string.Empty, [], errors);
        }

        if (draft is null)
        {
            errors.Add("The reply is JSON null; reply with the plan as one JSON object matching the schema.");
            return (string.Empty, [], errors);
        }

        if (string.IsNullOrWhiteSpace(draft.Title))
        {
            errors.Add("The plan has no title.");
        }

        if (draft.Steps is null)
        {
            errors.Add("The plan has no 'steps' array.");
            return (draft.Title ?? string.Empty, [], errors);
        }

        var steps = new List<PlanStepDefinition>(draft.Steps.Count);
        for (int i = 0; i < draft.Steps.Count; i++)
        {
            var s = draft.Steps[i];
            if (s is null)
            {
                errors.Add($"Step #{i + 1} is null.");
                continue;
            }

            steps.Add(new PlanStepDefinition
            {
                Id = s.Id?.Trim() ?? string.Empty,
                Title = s.Title?.Trim() ?? string.Empty,
                Description = s.Description?.Trim() ?? string.Empty,
                Dependencies = [.. (s.Dependencies ?? []).Select(d => d?.Trim()!)],
            });
        }

        errors.AddRange(PlanValidator.Validate(steps, maxSteps));
        return (draft.Title?.Trim() ?? string.Empty, steps, errors);
    }

    /// <summary>Finds the JSON object in a reply: the whole text, a fenced code block, or the outermost braces.</summary>
    private static string? ExtractJson(string reply)
    {
        var text = reply.Trim();
        int fence = text.IndexOf("```", StringComparison.Ordinal);
        if (fence >= 0)
        {
            int start = text.IndexOf('\n', fence);
            int end = start < 0 ? -1 : text.IndexOf("```", start, StringComparison.Ordinal);
            if (start >= 0 && end > start)
            {
                text = text[(start + 1)..end].Trim();
            }
        }

        int open = text.IndexOf('{', StringComparison.Ordinal);
        int close = text.LastIndexOf('}');
        return open >= 0 && close > open ? text[open..(close + 1)] : null;
    }
}

/// <summary>One step as the model writes it.</summary>
internal sealed record PlanDraftStep
{
    public string? Id { get; init; }

    public string? Title { get; init; }

    public string? Description { get; init; }

    public List<string?>? Dependencies { get; init; }
}

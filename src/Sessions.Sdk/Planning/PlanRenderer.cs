using System.Globalization;
using System.Text;

namespace Sessions.Sdk;

/// <summary>Renders a plan as a Markdown checklist and as YAML (the seed tool's plan structure).</summary>
internal static class PlanRenderer
{
    public static string ToMarkdown(Plan plan)
    {
        var sb = new StringBuilder();
        sb.Append("# ").AppendLine(OneLine(plan.Title.Length > 0 ? plan.Title : plan.Goal));
        sb.AppendLine();
        if (plan.Goal.Length > 0 && plan.Goal != plan.Title)
        {
            sb.Append("Goal: ").AppendLine(OneLine(plan.Goal));
        }

        sb.Append("Status: ").AppendLine(StatusName(plan.Status));
        sb.AppendLine();
        var numbers = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < plan.Steps.Count; i++)
        {
            numbers[plan.Steps[i].Id] = i + 1;
        }

        for (int i = 0; i < plan.Steps.Count; i++)
        {
            var step = plan.Steps[i];
            string box = step.Status switch
            {
                PlanStepStatus.Completed => "[x]",
                PlanStepStatus.Running => "[~]",
                PlanStepStatus.Failed or PlanStepStatus.TimedOut => "[!]",
                PlanStepStatus.Skipped or PlanStepStatus.Cancelled => "[-]",
                _ => "[ ]",
            };
            sb.Append(CultureInfo.InvariantCulture, $"{i + 1}. {box} {OneLine(step.Title)}");
            if (step.Status is not (PlanStepStatus.Pending or PlanStepStatus.Completed))
            {
                sb.Append(" (").Append(StatusName(step.Status));
                if (step.Error is { Length: > 0 } error)
                {
                    sb.Append(": ").Append(OneLine(error));
                }

                sb.Append(')');
            }

            sb.AppendLine();
            foreach (var line in step.Description.Split('\n'))
            {
                if (line.Trim().Length > 0)
                {
                    sb.Append("   - ").AppendLine(line.Trim().TrimStart('-', '*', ' '));
                }
            }

            if (step.Dependencies.Count > 0)
            {
                sb.Append("   Dependencies: ").AppendLine(string.Join(", ", step.Dependencies.Select(d => numbers.TryGetValue(d, out int n) ? $"Step {n}" : d)));
            }

            sb.AppendLine();
        }

        return sb.ToString().TrimEnd() + "\n";
    }

    public static string ToYaml(Plan plan)
    {
        var sb = new StringBuilder();
        sb.AppendLine("plan:");
        sb.Append("  id: ").AppendLine(Quote(plan.Id));
        sb.Append("  title: ").AppendLine(Quote(plan.Title));
        sb.Append("  goal: ").AppendLine(Quote(plan.Goal));
        sb.Append("  status: ").AppendLine(Snake(plan.Status.ToString()));
        if (plan.Steps.Count == 0)
        {
            sb.AppendLine("  steps: []");
            return sb.ToString();
        }

        sb.AppendLine();
        sb.AppendLine("  steps:");
        foreach (var step in plan.Steps)
        {
            sb.Append("    - id: ").AppendLine(Quote(step.Id));
            sb.Append("      title: ").AppendLine(Quote(step.Title));
            sb.Append("      description: ").AppendLine(Quote(step.Description));
            sb.Append("      status: ").AppendLine(Snake(step.Status.ToString()));
            sb.Append("      dependencies: [").Append(string.Join(", ", step.Dependencies.Select(Quote))).AppendLine("]");
            if (step.Attempts > 0)
            {
                sb.Append("      attempts: ").AppendLine(step.Attempts.ToString(CultureInfo.InvariantCulture));
            }

            if (step.Output is not null)
            {
                sb.Append("      output: ").AppendLine(Quote(step.Output));
            }

            if (step.Error is not null)
            {
                sb.Append("      error: ").AppendLine(Quote(step.Error));
            }

            sb.AppendLine();
        }

        return sb.ToString().TrimEnd() + "\n";
    }

    /// <summary>Writes a YAML double-quoted scalar: every character that could end or change it is escaped.</summary>
    internal static string Quote(string value)
    {
        var sb = new StringBuilder(value.Length + 2);
        sb.Append('"');
        foreach (var rune in value.EnumerateRunes())
        {
            int c = rune.Value;
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F) || c == 0xFEFF || c == 0x2028 || c == 0x2029)
                    {
                        sb.Append(CultureInfo.InvariantCulture, $"\\u{c:X4}");
                    }
                    else
                    {
                        sb.Append(rune.ToString());
                    }

                    break;
            }
        }

        // Lone surrogates are not runes: EnumerateRunes yields U+FFFD for them, which YAML accepts.
        return sb.Append('"').ToString();
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();

    private static string StatusName(PlanStatus status) => Snake(status.ToString()).Replace('_', ' ');

    private static string StatusName(PlanStepStatus status) => Snake(status.ToString()).Replace('_', ' ');

    private static string Snake(string name)
    {
        var sb = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                sb.Append('_');
            }

            sb.Append(char.ToLowerInvariant(name[i]));
        }

        return sb.ToString();
    }
}

namespace Sessions.Sdk;

/// <summary>Checks a plan's steps: ids present and unique, titles present, dependencies known, no cycles, at most the allowed count.</summary>
internal static class PlanValidator
{
    /// <summary>Returns every error in the steps, each naming the step at fault; empty when the steps are valid.</summary>
    public static List<string> Validate(IReadOnlyList<PlanStepDefinition> steps, int maxSteps)
    {
        var errors = new List<string>();
        if (steps.Count == 0)
        {
            errors.Add("The plan has no steps; it needs at least one.");
            return errors;
        }

        if (steps.Count > maxSteps)
        {
            errors.Add($"The plan has {steps.Count} steps; at most {maxSteps} are allowed.");
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            if (string.IsNullOrWhiteSpace(step.Id))
            {
                errors.Add($"Step #{i + 1} has no id.");
            }
            else if (step.Id.Length > 128)
            {
                errors.Add($"Step '{step.Id[..32]}…' has an id longer than 128 characters.");
            }
            else if (!ids.Add(step.Id))
            {
                errors.Add($"Step id '{step.Id}' is used by more than one step; ids must be unique.");
            }

            if (string.IsNullOrWhiteSpace(step.Title))
            {
                errors.Add($"Step {Name(step, i)} has no title.");
            }
        }

        for (int i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var dep in step.Dependencies ?? [])
            {
                if (dep is null || !ids.Contains(dep))
                {
                    errors.Add($"Step {Name(step, i)} depends on unknown step '{dep}'.");
                }
                else if (string.Equals(dep, step.Id, StringComparison.Ordinal))
                {
                    errors.Add($"Step {Name(step, i)} depends on itself.");
                }
                else if (!seen.Add(dep))
                {
                    errors.Add($"Step {Name(step, i)} lists dependency '{dep}' more than once.");
                }
            }
        }

        if (errors.Count == 0 && FindCycle(steps) is { } cycle)
        {
            errors.Add($"Steps form a dependency cycle: {string.Join(" -> ", cycle)}.");
        }

        return errors;
    }

    /// <summary>Returns one dependency cycle as a path that ends where it starts, or <see langword="null"/> when there is none.</summary>
    public static List<string>? FindCycle(IReadOnlyList<PlanStepDefinition> steps)
    {
        var byId = new Dictionary<string, PlanStepDefinition>(StringComparer.Ordinal);
        foreach (var s in steps)
        {
            byId.TryAdd(s.Id, s);
        }

        // Iterative DFS with colors (0 = new, 1 = on the stack, 2 = done), so deep chains cannot overflow the stack.
        var color = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var start in steps)
        {
            if (color.GetValueOrDefault(start.Id) != 0)
            {
                continue;
            }

            var path = new List<string>();
            var stack = new Stack<(string Id, int Next)>();
            stack.Push((start.Id, 0));
            color[start.Id] = 1;
            path.Add(start.Id);
            while (stack.Count > 0)
            {
                var (id, next) = stack.Pop();
                var deps = byId.TryGetValue(id, out var def) ? def.Dependencies ?? [] : [];
                if (next < deps.Count)
                {
                    stack.Push((id, next + 1));
                    string dep = deps[next];
                    if (!byId.ContainsKey(dep))
                    {
                        continue;
                    }

                    int c = color.GetValueOrDefault(dep);
                    if (c == 1)
                    {
                        int from = path.IndexOf(dep);
                        var cycle = path.GetRange(from, path.Count - from);
                        cycle.Add(dep);
                        return cycle;
                    }

                    if (c == 0)
                    {
                        color[dep] = 1;
                        path.Add(dep);
                        stack.Push((dep, 0));
                    }
                }
                else
                {
                    color[id] = 2;
                    path.RemoveAt(path.Count - 1);
                }
            }
        }

        return null;
    }

    /// <summary>Validates explicit steps, throwing <see cref="ArgumentException"/> that names the step at fault.</summary>
    public static List<PlanStepDefinition> ValidateExplicit(IEnumerable<PlanStep> steps, int maxSteps, string paramName)
    {
        ArgumentNullException.ThrowIfNull(steps, paramName);
        var definitions = new List<PlanStepDefinition>();
        foreach (var step in steps)
        {
            if (step is null)
            {
                throw new ArgumentException($"Step #{definitions.Count + 1} is null.", paramName);
            }

            definitions.Add(PlanStepDefinition.From(step));
        }

        var errors = Validate(definitions, maxSteps);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), paramName);
        }

        return definitions;
    }

    private static string Name(PlanStepDefinition step, int index) =>
        string.IsNullOrWhiteSpace(step.Id) ? $"#{index + 1}" : $"'{step.Id}'";
}

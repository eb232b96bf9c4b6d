namespace Sessions.Sdk;

/// <summary>Converts operations to and from their JSON form, and checks the form the model proposes.</summary>
internal static class EditOperationMapper
{
    public static EditOperationData ToData(EditOperation op) => op.Kind switch
    {
        EditOperationKind.Replace => new() { Type = "replace", Path = op.Path, OldText = op.OldText, NewText = op.NewText, All = op.All ? true : null },
        EditOperationKind.Insert => new() { Type = "insert", Path = op.Path, Line = op.Line, Text = op.NewText },
        EditOperationKind.Append => new() { Type = "append", Path = op.Path, Text = op.NewText },
        EditOperationKind.Prepend => new() { Type = "prepend", Path = op.Path, Text = op.NewText },
        EditOperationKind.Delete when op.OldText is not null => new() { Type = "delete", Path = op.Path, OldText = op.OldText, All = op.All ? true : null },
        EditOperationKind.Delete => new() { Type = "delete", Path = op.Path, StartLine = op.StartLine, EndLine = op.EndLine },
        EditOperationKind.CreateFile => new() { Type = "create", Path = op.Path, Text = op.NewText },
        _ => new() { Type = "deleteFile", Path = op.Path },
    };

    /// <summary>Turns JSON operations into operations, collecting one precise error per invalid item instead of stopping at the first.</summary>
    public static List<EditOperation> FromData(IReadOnlyList<EditOperationData> items, List<string> errors)
    {
        var result = new List<EditOperation>(items.Count);
        for (int i = 0; i < items.Count; i++)
        {
            if (FromItem(items[i], $"operations[{i}]", errors) is { } op)
            {
                result.Add(op);
            }
        }

        return result;
    }

    /// <summary>Turns one JSON operation into an operation, or adds the errors (each starting with <paramref name="at"/>) and returns <see langword="null"/>.</summary>
    public static EditOperation? FromItem(EditOperationData? d, string at, List<string> errors)
    {
        if (d is null)
        {
            errors.Add($"{at}: must be an object");
            return null;
        }

        if (string.IsNullOrEmpty(d.Path))
        {
            errors.Add($"{at}.path: required");
            return null;
        }

        try
        {
            return d.Type switch
            {
                "replace" => d.OldText is null or "" ? Missing(errors, at, "oldText") : d.NewText is null ? Missing(errors, at, "newText")
                    : EditOperation.Replace(d.Path, d.OldText, d.NewText, d.All ?? false),
                "insert" => d.Line is null ? Missing(errors, at, "line") : d.Text is null or "" ? Missing(errors, at, "text")
                    : EditOperation.Insert(d.Path, d.Line.Value, d.Text),
                "append" => d.Text is null or "" ? Missing(errors, at, "text") : EditOperation.Append(d.Path, d.Text),
                "prepend" => d.Text is null or "" ? Missing(errors, at, "text") : EditOperation.Prepend(d.Path, d.Text),
                "delete" when d.OldText is not null => EditOperation.Delete(d.Path, d.OldText, d.All ?? false),
                "delete" => d.StartLine is null || d.EndLine is null ? Missing(errors, at, "oldText or startLine/endLine")
                    : EditOperation.Delete(d.Path, d.StartLine.Value, d.EndLine.Value),
                "create" => d.Text is null ? Missing(errors, at, "text") : EditOperation.CreateFile(d.Path, d.Text),
                "deleteFile" => EditOperation.DeleteFile(d.Path),
                _ => Invalid(errors, $"{at}.type: '{d.Type}' is not one of insert, replace, delete, append, prepend, create, deleteFile"),
            };
        }
        catch (ArgumentException ex)
        {
            errors.Add($"{at}: {ex.Message}");
            return null;
        }
    }

    private static EditOperation? Missing(List<string> errors, string at, string field)
    {
        errors.Add($"{at}.{field}: required");
        return null;
    }

    private static EditOperation? Invalid(List<string> errors, string message)
    {
        errors.Add(message);
        return null;
    }
}

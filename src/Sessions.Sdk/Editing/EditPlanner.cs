namespace Sessions.Sdk;

/// <summary>Works out, without writing, what a list of operations does to each file: checks every path and precondition, and renders the diffs.</summary>
internal static class EditPlanner
{
    public static IReadOnlyList<EditFilePlan> Plan(IReadOnlyList<EditOperation> operations, WorkspaceSandbox sandbox, IEditFileSystem files, EditingOptions options)
    {
        // Every path is checked before any file is read.
        var byFile = new Dictionary<string, List<EditOperation>>(StringComparer.Ordinal);
        var order = new List<(string Path, string FullPath)>();
        foreach (var operation in operations)
        {
            string path = WorkspaceSandbox.Normalize(operation.Path);
            if (!byFile.TryGetValue(path, out var list))
            {
                byFile[path] = list = [];
                order.Add((path, sandbox.Resolve(path, operation.Path)));
            }

            list.Add(operation);
        }

        var plans = new List<EditFilePlan>(order.Count);
        foreach (var (path, fullPath) in order)
        {
            if (PlanFile(path, fullPath, byFile[path], files, options) is { } plan)
            {
                plans.Add(plan);
            }
        }

        return plans;
    }

    private static EditFilePlan? PlanFile(string path, string fullPath, List<EditOperation> operations, IEditFileSystem files, EditingOptions options)
    {
        byte[]? before = files.ReadFile(fullPath, path, options.MaxFileSize);
        EditTextCodec codec = EditTextCodec.NewFile;
        string beforeText = string.Empty;
        if (before is not null)
        {
            (codec, beforeText) = EditTextCodec.Decode(before, path, options.AllowBinaryFiles);
        }

        bool exists = before is not null;
        bool recreated = false;
        string text = beforeText;
        foreach (var op in operations)
        {
            switch (op.Kind)
            {
                case EditOperationKind.CreateFile:
                    if (exists)
                    {
                        throw new EditPreconditionException(path, $"Cannot create '{path}': it already exists.");
                    }

                    exists = true;
                    recreated = before is not null;
                    codec = EditTextCodec.NewFile;
                    text = op.NewText!;
                    continue;
                case EditOperationKind.DeleteFile:
                    if (!exists)
                    {
                        throw new EditPreconditionException(path, $"Cannot delete '{path}': it does not exist.");
                    }

                    exists = false;
                    text = string.Empty;
                    continue;
            }

            if (!exists)
            {
                throw new EditPreconditionException(path, $"Cannot {op.Kind.ToString().ToLowerInvariant()} in '{path}': the file does not exist (use EditOperation.CreateFile).");
            }

            text = ApplyText(path, text, op, codec);
        }

        if (before is null && !exists)
        {
            return null;
        }

        byte[]? after = exists ? codec.Encode(text, recreated ? [] : before) : null;
        if (after is not null && before is not null && after.AsSpan().SequenceEqual(before))
        {
            return null;
        }

        if (after is not null && after.LongLength > options.MaxFileSize)
        {
            throw new EditPreconditionException(path, $"The edited file '{path}' would be {after.LongLength} bytes, over the limit of {options.MaxFileSize} bytes (EditingOptions.MaxFileSize).");
        }

        var change = before is null ? EditFileChange.Create : after is null ? EditFileChange.Delete : EditFileChange.Modify;
        var (diff, added, removed) = UnifiedDiff.Render(path, change, beforeText, exists ? text : string.Empty, options.DiffContextLines);
        return new EditFilePlan
        {
            Path = path,
            FullPath = fullPath,
            Before = before,
            After = after,
            AfterHash = EditFilePlan.Hash(after),
            Preview = new EditFilePreview
            {
                Path = path,
                Change = change,
                Diff = diff,
                LinesAdded = added,
                LinesRemoved = removed,
                ContentHash = EditFilePlan.Hash(before),
            },
        };
    }

    private static string ApplyText(string path, string text, EditOperation op, EditTextCodec codec)
    {
        switch (op.Kind)
        {
            case EditOperationKind.Replace:
                return ReplaceText(path, text, codec.Normalize(op.OldText!), codec.Normalize(op.NewText!), op.All);
            case EditOperationKind.Delete when op.OldText is not null:
                return ReplaceText(path, text, codec.Normalize(op.OldText), string.Empty, op.All);
            case EditOperationKind.Delete:
            {
                int count = LineCount(text);
                if (op.EndLine > count)
                {
                    throw new EditPreconditionException(path, $"Cannot delete lines {op.StartLine}-{op.EndLine} of '{path}': it has {count} lines.");
                }

                int start = LineStart(text, op.StartLine!.Value);
                int end = op.EndLine == count ? text.Length : LineStart(text, op.EndLine!.Value + 1);
                return string.Concat(text.AsSpan(0, start), text.AsSpan(end));
            }

            case EditOperationKind.Insert:
            {
                int count = LineCount(text);
                int line = op.Line!.Value;
                if (line > count + 1)
                {
                    throw new EditPreconditionException(path, $"Cannot insert at line {line} of '{path}': it has {count} lines (the last position is {count + 1}).");
                }

                string insert = codec.Normalize(op.NewText!);
                if (line == count + 1)
                {
                    return text.Length > 0 && !text.EndsWith('\n') ? text + "\n" + insert : text + insert;
                }

                int at = LineStart(text, line);
                return string.Concat(text.AsSpan(0, at), insert, text.AsSpan(at));
            }

            case EditOperationKind.Append:
                return text + codec.Normalize(op.NewText!);
            case EditOperationKind.Prepend:
                return codec.Normalize(op.NewText!) + text;
            default:
                throw new InvalidOperationException($"Unexpected operation kind {op.Kind}.");
        }
    }

    private static string ReplaceText(string path, string text, string oldText, string newText, bool all)
    {
        int first = text.IndexOf(oldText, StringComparison.Ordinal);
        if (first < 0)
        {
            throw new EditPreconditionException(path, $"The old text was not found in '{path}': \"{Excerpt(oldText)}\".", 0);
        }

        int second = text.IndexOf(oldText, first + oldText.Length, StringComparison.Ordinal);
        if (second < 0)
        {
            return string.Concat(text.AsSpan(0, first), newText, text.AsSpan(first + oldText.Length));
        }

        if (!all)
        {
            int count = 2;
            for (int i = text.IndexOf(oldText, second + oldText.Length, StringComparison.Ordinal); i >= 0; i = text.IndexOf(oldText, i + oldText.Length, StringComparison.Ordinal))
            {
                count++;
            }

            throw new EditPreconditionException(path, $"The old text occurs {count} times in '{path}', so the change is ambiguous: give more surrounding text, or ask for all occurrences: \"{Excerpt(oldText)}\".", count);
        }

        return text.Replace(oldText, newText, StringComparison.Ordinal);
    }

    private static string Excerpt(string text) => text.Length <= 80 ? text : text[..77] + "...";

    internal static int LineCount(string text)
    {
        int count = text.AsSpan().Count('\n');
        return text.Length > 0 && !text.EndsWith('\n') ? count + 1 : count;
    }

    private static int LineStart(string text, int line)
    {
        int at = 0;
        for (int i = 1; i < line; i++)
        {
            at = text.IndexOf('\n', at) + 1;
        }

        return at;
    }
}

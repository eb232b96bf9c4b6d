namespace Sessions.Sdk;

/// <summary>Works out, without writing, what a list of operations does to each file: checks every path and precondition, and renders the diffs.</summary>
internal static class EditPlanner
{
    public static IReadOnlyList<EditFilePlan> Plan(IReadOnlyList<EditOperation> operations, WorkspaceSandbox sandbox, IEditFileSystem files, EditingOptions options)
    {
        // Every path is checked before any file is read.
        var byFile = new Dictionary<string, List<EditOperation>>(StringComparer.Ordinal);
        var order = new List<(string Path, string FullPath)>();
        var folders = new Dictionary<string, (string Real, bool Exists)>(StringComparer.Ordinal);
        foreach (var operation in operations)
        {
            string path = WorkspaceSandbox.Normalize(operation.Path);
            if (!byFile.TryGetValue(path, out var list))
            {
                byFile[path] = list = [];
                order.Add((path, sandbox.Resolve(path, operation.Path, folders)));
            }

            list.Add(operation);
        }

        // Files are planned a few at once (each only reads its own file); the error reported is the first file's, as in order.
        var planned = new EditFilePlan?[order.Count];
        EditFiles.ForEach(
            order.Count,
            EditFiles.Distinct(order.Select(o => o.FullPath)),
            i => planned[i] = PlanFile(order[i].Path, order[i].FullPath, byFile[order[i].Path], files, options),
            everyEarlierFile: true);
        return [.. planned.OfType<EditFilePlan>()];
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
        var text = new EditedText(beforeText);
        if (before is not null)
        {
            // One scan of the file for every old text instead of one per operation.
            text.PrepareSearch([.. operations.Where(o => o.OldText is not null).Select(o => codec.Normalize(o.OldText!)).Distinct(StringComparer.Ordinal)]);
        }

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
                    text.Replace(0, text.Length, op.NewText!);
                    continue;
                case EditOperationKind.DeleteFile:
                    if (!exists)
                    {
                        throw new EditPreconditionException(path, $"Cannot delete '{path}': it does not exist.");
                    }

                    exists = false;
                    text.Replace(0, text.Length, string.Empty);
                    continue;
            }

            if (!exists)
            {
                throw new EditPreconditionException(path, $"Cannot {op.Kind.ToString().ToLowerInvariant()} in '{path}': the file does not exist (use EditOperation.CreateFile).");
            }

            ApplyText(path, text, op, codec);
        }

        if (before is null && !exists)
        {
            return null;
        }

        byte[]? after = exists ? codec.Encode(text.Build(), recreated ? [] : before) : null;
        if (after is not null && before is not null && after.AsSpan().SequenceEqual(before))
        {
            return null;
        }

        if (after is not null && after.LongLength > options.MaxFileSize)
        {
            throw new EditPreconditionException(path, $"The edited file '{path}' would be {after.LongLength} bytes, over the limit of {options.MaxFileSize} bytes (EditingOptions.MaxFileSize).");
        }

        var change = before is null ? EditFileChange.Create : after is null ? EditFileChange.Delete : EditFileChange.Modify;
        var (diff, added, removed) = UnifiedDiff.Render(path, change, text, options.DiffContextLines);
        return new EditFilePlan
        {
            Path = path,
            FullPath = fullPath,
            Before = before,
            After = after,
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

    /// <summary>Applies one text operation to the text as the earlier operations left it.</summary>
    internal static void ApplyText(string path, EditedText text, EditOperation op, EditTextCodec codec)
    {
        switch (op.Kind)
        {
            case EditOperationKind.Replace:
                ReplaceText(path, text, codec.Normalize(op.OldText!), codec.Normalize(op.NewText!), op.All);
                return;
            case EditOperationKind.Delete when op.OldText is not null:
                ReplaceText(path, text, codec.Normalize(op.OldText), string.Empty, op.All);
                return;
            case EditOperationKind.Delete:
            {
                int count = text.LineCount;
                if (op.EndLine > count)
                {
                    throw new EditPreconditionException(path, $"Cannot delete lines {op.StartLine}-{op.EndLine} of '{path}': it has {count} lines.");
                }

                int start = text.LineStart(op.StartLine!.Value);
                int end = op.EndLine == count ? text.Length : text.LineStart(op.EndLine!.Value + 1);
                text.Replace(start, end, string.Empty);
                return;
            }

            case EditOperationKind.Insert:
            {
                int count = text.LineCount;
                int line = op.Line!.Value;
                if (line > count + 1)
                {
                    throw new EditPreconditionException(path, $"Cannot insert at line {line} of '{path}': it has {count} lines (the last position is {count + 1}).");
                }

                string insert = codec.Normalize(op.NewText!);
                if (line == count + 1)
                {
                    text.Replace(text.Length, text.Length, text.Length > 0 && !text.EndsWithNewline ? "\n" + insert : insert);
                    return;
                }

                int at = text.LineStart(line);
                text.Replace(at, at, insert);
                return;
            }

            case EditOperationKind.Append:
                text.Replace(text.Length, text.Length, codec.Normalize(op.NewText!));
                return;
            case EditOperationKind.Prepend:
                text.Replace(0, 0, codec.Normalize(op.NewText!));
                return;
            default:
                throw new InvalidOperationException($"Unexpected operation kind {op.Kind}.");
        }
    }

    /// <summary>Replaces old text as <see cref="string.Replace(string, string?, StringComparison)"/> would (leftmost, not overlapping), or the one occurrence.</summary>
    private static void ReplaceText(string path, EditedText text, string oldText, string newText, bool all)
    {
        var found = text.FindAll(oldText);
        if (found.Count == 0)
        {
            throw new EditPreconditionException(path, $"The old text was not found in '{path}': \"{Excerpt(oldText)}\".", 0);
        }

        // Leftmost occurrences that do not overlap, as a left-to-right search finds them.
        var chosen = new List<(int From, int To, string Text)>();
        int next = 0;
        foreach (int at in found)
        {
            if (at >= next)
            {
                chosen.Add((at, at + oldText.Length, newText));
                next = at + oldText.Length;
            }
        }

        if (chosen.Count > 1 && !all)
        {
            throw new EditPreconditionException(path, $"The old text occurs {chosen.Count} times in '{path}', so the change is ambiguous: give more surrounding text, or ask for all occurrences: \"{Excerpt(oldText)}\".", chosen.Count);
        }

        text.Replace(chosen);
    }

    private static string Excerpt(string text) => text.Length <= 80 ? text : text[..77] + "...";
}

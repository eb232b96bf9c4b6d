namespace Sessions.Sdk;

/// <summary>Describes one change to one file of an edit session's workspace; created with the static factories.</summary>
/// <remarks>
/// Paths are relative to the workspace root, with <c>/</c> (or <c>\</c>) between folders. Text uses <c>\n</c> for line breaks:
/// a file that ends its lines with <c>\r\n</c> gets <c>\r\n</c> in what is written. Line numbers start at 1 and refer to the
/// file as changed by the earlier operations of the same batch on that file.
/// </remarks>
public sealed class EditOperation
{
    private EditOperation(EditOperationKind kind, string path)
    {
        // An empty or hostile path is refused by the workspace sandbox with EditSandboxException, when the operation is used.
        ArgumentNullException.ThrowIfNull(path);
        Kind = kind;
        Path = path;
    }

    /// <summary>Gets what the operation does.</summary>
    public EditOperationKind Kind { get; }

    /// <summary>Gets the file's path relative to the workspace root.</summary>
    public string Path { get; }

    /// <summary>Gets the text to find (replace, delete by text); otherwise <see langword="null"/>.</summary>
    public string? OldText { get; private init; }

    /// <summary>Gets the text written (replace, insert, append, prepend, create); otherwise <see langword="null"/>.</summary>
    public string? NewText { get; private init; }

    /// <summary>Gets the line before which text is inserted (insert); otherwise <see langword="null"/>.</summary>
    public int? Line { get; private init; }

    /// <summary>Gets the first line deleted (delete by line range); otherwise <see langword="null"/>.</summary>
    public int? StartLine { get; private init; }

    /// <summary>Gets the last line deleted, inclusive (delete by line range); otherwise <see langword="null"/>.</summary>
    public int? EndLine { get; private init; }

    /// <summary>Gets a value indicating whether every occurrence of <see cref="OldText"/> is changed rather than exactly one.</summary>
    public bool All { get; private init; }

    /// <summary>Creates an operation that replaces <paramref name="oldText"/> with <paramref name="newText"/>.</summary>
    /// <param name="path">The file's path relative to the workspace root.</param>
    /// <param name="oldText">The text to find; it must occur exactly once unless <paramref name="all"/> is set.</param>
    /// <param name="newText">The replacement.</param>
    /// <param name="all"><see langword="true"/> to replace every occurrence (at least one must exist).</param>
    /// <returns>The operation.</returns>
    /// <exception cref="ArgumentException">An argument is null or empty.</exception>
    public static EditOperation Replace(string path, string oldText, string newText, bool all = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(oldText);
        ArgumentNullException.ThrowIfNull(newText);
        return new(EditOperationKind.Replace, path) { OldText = oldText, NewText = newText, All = all };
    }

    /// <summary>Creates an operation that inserts <paramref name="text"/> at the start of line <paramref name="line"/>.</summary>
    /// <param name="path">The file's path relative to the workspace root.</param>
    /// <param name="line">The line (from 1) before which the text goes; the line count + 1 adds it at the end.</param>
    /// <param name="text">The text, usually ending with <c>\n</c>.</param>
    /// <returns>The operation.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="line"/> is less than 1.</exception>
    public static EditOperation Insert(string path, int line, string text)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(line, 1);
        ArgumentException.ThrowIfNullOrEmpty(text);
        return new(EditOperationKind.Insert, path) { Line = line, NewText = text };
    }

    /// <summary>Creates an operation that adds <paramref name="text"/> at the end of the file.</summary>
    /// <param name="path">The file's path relative to the workspace root.</param>
    /// <param name="text">The text.</param>
    /// <returns>The operation.</returns>
    /// <exception cref="ArgumentException">An argument is null or empty.</exception>
    public static EditOperation Append(string path, string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        return new(EditOperationKind.Append, path) { NewText = text };
    }

    /// <summary>Creates an operation that adds <paramref name="text"/> at the start of the file.</summary>
    /// <param name="path">The file's path relative to the workspace root.</param>
    /// <param name="text">The text.</param>
    /// <returns>The operation.</returns>
    /// <exception cref="ArgumentException">An argument is null or empty.</exception>
    public static EditOperation Prepend(string path, string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        return new(EditOperationKind.Prepend, path) { NewText = text };
    }

    /// <summary>Creates an operation that deletes <paramref name="oldText"/>.</summary>
    /// <param name="path">The file's path relative to the workspace root.</param>
    /// <param name="oldText">The text to delete; it must occur exactly once unless <paramref name="all"/> is set.</param>
    /// <param name="all"><see langword="true"/> to delete every occurrence (at least one must exist).</param>
    /// <returns>The operation.</returns>
    /// <exception cref="ArgumentException">An argument is null or empty.</exception>
    public static EditOperation Delete(string path, string oldText, bool all = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(oldText);
        return new(EditOperationKind.Delete, path) { OldText = oldText, All = all };
    }

    /// <summary>Creates an operation that deletes lines <paramref name="startLine"/> to <paramref name="endLine"/>, inclusive, with their line breaks.</summary>
    /// <param name="path">The file's path relative to the workspace root.</param>
    /// <param name="startLine">The first line deleted, from 1.</param>
    /// <param name="endLine">The last line deleted, at least <paramref name="startLine"/>.</param>
    /// <returns>The operation.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A line is less than 1, or <paramref name="endLine"/> is before <paramref name="startLine"/>.</exception>
    public static EditOperation Delete(string path, int startLine, int endLine)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(startLine, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(endLine, startLine);
        return new(EditOperationKind.Delete, path) { StartLine = startLine, EndLine = endLine };
    }

    /// <summary>Creates an operation that creates a file which must not exist yet (UTF-8 without byte order mark; missing folders are created).</summary>
    /// <param name="path">The file's path relative to the workspace root.</param>
    /// <param name="text">The file's content.</param>
    /// <returns>The operation.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is <see langword="null"/>.</exception>
    public static EditOperation CreateFile(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new(EditOperationKind.CreateFile, path) { NewText = text };
    }

    /// <summary>Creates an operation that deletes a file which must exist.</summary>
    /// <param name="path">The file's path relative to the workspace root.</param>
    /// <returns>The operation.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    public static EditOperation DeleteFile(string path) => new(EditOperationKind.DeleteFile, path);

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        EditOperationKind.Replace => $"replace in {Path}",
        EditOperationKind.Insert => $"insert at {Path}:{Line}",
        EditOperationKind.Delete when StartLine is not null => $"delete {Path}:{StartLine}-{EndLine}",
        _ => $"{Kind.ToString().ToLowerInvariant()} {Path}",
    };
}

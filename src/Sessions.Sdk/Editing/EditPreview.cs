namespace Sessions.Sdk;

/// <summary>Shows what applying the pending operations would change, file by file, without writing anything.</summary>
public sealed record EditPreview
{
    /// <summary>Gets the changed files, in the order they first appear in the operations.</summary>
    public required IReadOnlyList<EditFilePreview> Files { get; init; }

    /// <summary>Gets the total number of lines added.</summary>
    public int LinesAdded => Files.Sum(f => f.LinesAdded);

    /// <summary>Gets the total number of lines removed.</summary>
    public int LinesRemoved => Files.Sum(f => f.LinesRemoved);

    /// <summary>Gets every file's unified diff, one after another.</summary>
    public string Diff => string.Concat(Files.Select(f => f.Diff));
}

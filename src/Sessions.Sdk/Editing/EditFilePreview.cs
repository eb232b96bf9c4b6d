namespace Sessions.Sdk;

/// <summary>Describes the change a batch makes to one file: a unified diff and its line counts.</summary>
public sealed record EditFilePreview
{
    /// <summary>Gets the file's path relative to the workspace root, with <c>/</c> between folders.</summary>
    public required string Path { get; init; }

    /// <summary>Gets whether the file is modified, created or deleted.</summary>
    public required EditFileChange Change { get; init; }

    /// <summary>Gets the change as a unified diff (<c>--- a/path</c>, <c>+++ b/path</c>, hunks with 3 lines of context).</summary>
    public required string Diff { get; init; }

    /// <summary>Gets how many lines are added.</summary>
    public required int LinesAdded { get; init; }

    /// <summary>Gets how many lines are removed.</summary>
    public required int LinesRemoved { get; init; }

    /// <summary>Gets the SHA-256 (hex) of the file's bytes when the preview was made; <see langword="null"/> when it did not exist.</summary>
    public string? ContentHash { get; init; }
}

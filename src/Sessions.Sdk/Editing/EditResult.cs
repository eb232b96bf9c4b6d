namespace Sessions.Sdk;

/// <summary>Describes a batch recorded in an edit session: its id, name, status and the files it changed.</summary>
public sealed record EditResult
{
    /// <summary>Gets the batch's id, unique in the session.</summary>
    public required string BatchId { get; init; }

    /// <summary>Gets the batch's name.</summary>
    public required string Name { get; init; }

    /// <summary>Gets where the batch stands.</summary>
    public required EditBatchStatus Status { get; init; }

    /// <summary>Gets the files the batch changes, with their diffs.</summary>
    public required IReadOnlyList<EditFilePreview> Files { get; init; }

    /// <summary>Gets when the batch was applied.</summary>
    public required DateTimeOffset AppliedAt { get; init; }

    /// <summary>Gets how many conversation messages preceded the batch (what <see cref="EditSession.RewindAsync(long, bool, CancellationToken)"/> compares with).</summary>
    public required long AfterMessage { get; init; }

    /// <summary>Gets a value indicating whether the session holds the bytes from before the batch, so it can be rolled back.</summary>
    public required bool CanRollback { get; init; }

    /// <summary>Gets the total number of lines added.</summary>
    public int LinesAdded => Files.Sum(f => f.LinesAdded);

    /// <summary>Gets the total number of lines removed.</summary>
    public int LinesRemoved => Files.Sum(f => f.LinesRemoved);
}

namespace Sessions.Sdk;

/// <summary>Describes the outcome of an import.</summary>
public sealed record SessionImportResult
{
    /// <summary>The metadata key holding the format a session was imported from (such as <c>sessions.sdk</c>, <c>ainative</c>, <c>openai</c>).</summary>
    public const string SourceFormatKey = "import.source";

    /// <summary>The metadata key holding the session's id in the imported document, when it had one.</summary>
    public const string OriginalIdKey = "import.originalId";

    /// <summary>The metadata key holding when the session was imported (ISO 8601, UTC).</summary>
    public const string ImportedAtKey = "import.importedAt";

    /// <summary>Gets the information of each session created, in document order.</summary>
    public required IReadOnlyList<SessionInfo> Sessions { get; init; }

    /// <summary>Gets the ids of sessions skipped because they already existed (<see cref="SessionImportConflict.Skip"/>).</summary>
    public IReadOnlyList<string> Skipped { get; init; } = [];
}

namespace Sessions.Sdk;

/// <summary>Configures a session import.</summary>
public sealed class SessionImportOptions
{
    /// <summary>Gets or sets a value indicating whether every imported session gets a new generated id.</summary>
    /// <value>The default value is <see langword="false"/>: a session keeps its id when it is valid (otherwise a new id is generated).</value>
    public bool NewId { get; set; }

    /// <summary>Gets or sets a title given to every imported session.</summary>
    /// <value>The default value is <see langword="null"/>: titles come from the document.</value>
    public string? Title { get; set; }

    /// <summary>Gets or sets what happens when a session with the same id already exists.</summary>
    /// <value>The default value is <see cref="SessionImportConflict.Fail"/>.</value>
    public SessionImportConflict Conflict { get; set; } = SessionImportConflict.Fail;

    /// <summary>Gets or sets a value indicating whether provenance (source format, original id, import time) is recorded in each session's metadata.</summary>
    /// <value>The default value is <see langword="true"/>; see <see cref="SessionImportResult.SourceFormatKey"/> and the other keys.</value>
    public bool RecordProvenance { get; set; } = true;
}

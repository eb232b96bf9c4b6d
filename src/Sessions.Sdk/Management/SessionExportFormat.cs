namespace Sessions.Sdk;

/// <summary>Identifies the format of a session export.</summary>
public enum SessionExportFormat
{
    /// <summary>The versioned whole-session format (<see cref="SessionFormat"/>): lossless and importable.</summary>
    Json,

    /// <summary>A readable Markdown transcript.</summary>
    Markdown,

    /// <summary>A readable plain-text transcript.</summary>
    Text,

    /// <summary>A self-contained HTML page; all content is escaped and the page runs no script.</summary>
    Html,
}

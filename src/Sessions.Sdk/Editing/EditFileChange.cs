namespace Sessions.Sdk;

/// <summary>Says what happens to a file in a preview or batch.</summary>
public enum EditFileChange
{
    /// <summary>The file's content changes.</summary>
    Modify,

    /// <summary>The file is created.</summary>
    Create,

    /// <summary>The file is deleted.</summary>
    Delete,
}

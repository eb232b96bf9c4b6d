namespace Sessions.Sdk;

/// <summary>Names what an <see cref="EditOperation"/> does.</summary>
public enum EditOperationKind
{
    /// <summary>Replaces old text with new text.</summary>
    Replace,

    /// <summary>Inserts text at the start of a line.</summary>
    Insert,

    /// <summary>Adds text at the end of a file.</summary>
    Append,

    /// <summary>Adds text at the start of a file (after any byte order mark).</summary>
    Prepend,

    /// <summary>Deletes old text, or a range of lines.</summary>
    Delete,

    /// <summary>Creates a file that does not exist yet.</summary>
    CreateFile,

    /// <summary>Deletes a file.</summary>
    DeleteFile,
}

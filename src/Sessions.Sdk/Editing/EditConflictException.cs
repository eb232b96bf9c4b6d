namespace Sessions.Sdk;

/// <summary>Represents the error raised when a file changed on disk since it was previewed or applied, so writing it would overwrite someone else's change.</summary>
public sealed class EditConflictException : SessionsException
{
    /// <summary>Initializes a new instance of the <see cref="EditConflictException"/> class.</summary>
    /// <param name="path">The file's path relative to the workspace root.</param>
    /// <param name="message">The message that describes the conflict.</param>
    public EditConflictException(string path, string message)
        : base(message)
    {
        Path = path;
    }

    /// <summary>Gets the file's path relative to the workspace root.</summary>
    public string Path { get; }
}

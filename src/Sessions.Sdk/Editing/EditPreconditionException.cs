namespace Sessions.Sdk;

/// <summary>Represents the error raised when an operation cannot apply to a file as it is: old text missing or ambiguous, a line out of range, a size limit, a binary file, a file missing or already there.</summary>
public sealed class EditPreconditionException : SessionsException
{
    /// <summary>Initializes a new instance of the <see cref="EditPreconditionException"/> class.</summary>
    /// <param name="path">The file's path relative to the workspace root.</param>
    /// <param name="message">The message that describes the failed precondition.</param>
    /// <param name="occurrences">How many times the old text occurs, when the failure is about old text.</param>
    public EditPreconditionException(string path, string message, int? occurrences = null)
        : base(message)
    {
        Path = path;
        Occurrences = occurrences;
    }

    /// <summary>Gets the file's path relative to the workspace root.</summary>
    public string Path { get; }

    /// <summary>Gets how many times the old text occurs (0 when missing, more than 1 when ambiguous); <see langword="null"/> for other failures.</summary>
    public int? Occurrences { get; }
}

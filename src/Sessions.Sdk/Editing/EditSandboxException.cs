namespace Sessions.Sdk;

/// <summary>Represents the error raised when a path would reach outside the edit session's workspace root; nothing was written.</summary>
public sealed class EditSandboxException : SessionsException
{
    /// <summary>Initializes a new instance of the <see cref="EditSandboxException"/> class.</summary>
    /// <param name="path">The refused path, as given.</param>
    /// <param name="reason">Why it was refused.</param>
    public EditSandboxException(string path, string reason)
        : base($"The path '{Printable(path)}' is refused: {reason}. Paths must be relative to the workspace root and stay inside it.")
    {
        Path = path;
        Reason = reason;
    }

    /// <summary>Gets the refused path, as given.</summary>
    public string Path { get; }

    /// <summary>Gets why the path was refused.</summary>
    public string Reason { get; }

    private static string Printable(string path) =>
        string.Concat(path.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
}

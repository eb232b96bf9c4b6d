namespace Sessions.Sdk;

/// <summary>Represents the error raised when stored or imported data is malformed or of an unknown newer format.</summary>
public sealed class SessionFormatException : SessionsException
{
    /// <summary>Initializes a new instance of the <see cref="SessionFormatException"/> class.</summary>
    /// <param name="message">What is wrong, naming the session or file.</param>
    /// <param name="sessionId">The session concerned, if known.</param>
    /// <param name="innerException">The parser error, if any.</param>
    public SessionFormatException(string message, string? sessionId = null, Exception? innerException = null)
        : base(message, innerException)
    {
        SessionId = sessionId;
    }

    /// <summary>Gets the session concerned, if known.</summary>
    public string? SessionId { get; }
}

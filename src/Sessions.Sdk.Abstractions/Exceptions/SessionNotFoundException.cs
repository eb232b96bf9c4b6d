namespace Sessions.Sdk;

/// <summary>Represents the error raised when a session that does not exist is opened or changed.</summary>
public sealed class SessionNotFoundException : SessionsException
{
    /// <summary>Initializes a new instance of the <see cref="SessionNotFoundException"/> class.</summary>
    /// <param name="sessionId">The id that was not found.</param>
    public SessionNotFoundException(string sessionId)
        : base($"Session '{sessionId}' was not found.")
    {
        SessionId = sessionId;
    }

    /// <summary>Gets the id that was not found.</summary>
    public string SessionId { get; }
}

namespace Sessions.Sdk;

/// <summary>Represents the error raised when a session is created with an id that is already taken.</summary>
public sealed class SessionAlreadyExistsException : SessionsException
{
    /// <summary>Initializes a new instance of the <see cref="SessionAlreadyExistsException"/> class.</summary>
    /// <param name="sessionId">The id that is taken.</param>
    public SessionAlreadyExistsException(string sessionId)
        : base($"Session '{sessionId}' already exists. Open it, or choose another id.")
    {
        SessionId = sessionId;
    }

    /// <summary>Gets the id that is taken.</summary>
    public string SessionId { get; }
}

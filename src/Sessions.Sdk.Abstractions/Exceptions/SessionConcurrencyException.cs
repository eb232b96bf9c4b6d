namespace Sessions.Sdk;

/// <summary>Represents the error raised when a metadata update or message replacement is based on a stale version.</summary>
/// <remarks>Reload the session, reapply the change, and save again.</remarks>
public sealed class SessionConcurrencyException : SessionsException
{
    /// <summary>Initializes a new instance of the <see cref="SessionConcurrencyException"/> class.</summary>
    /// <param name="sessionId">The session's id.</param>
    /// <param name="expectedVersion">The version the change was based on.</param>
    /// <param name="actualVersion">The version found in storage.</param>
    public SessionConcurrencyException(string sessionId, long expectedVersion, long actualVersion)
        : base($"Session '{sessionId}' was changed by another writer: the change was based on version {expectedVersion} but storage holds version {actualVersion}. Reload the session and apply the change again.")
    {
        SessionId = sessionId;
        ExpectedVersion = expectedVersion;
        ActualVersion = actualVersion;
    }

    /// <summary>Gets the session's id.</summary>
    public string SessionId { get; }

    /// <summary>Gets the version the change was based on.</summary>
    public long ExpectedVersion { get; }

    /// <summary>Gets the version found in storage.</summary>
    public long ActualVersion { get; }
}

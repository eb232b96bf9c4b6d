namespace Sessions.Sdk;

/// <summary>Represents a storage failure (I/O, database driver); the cause is the inner exception.</summary>
public sealed class SessionStorageException : SessionsException
{
    /// <summary>Initializes a new instance of the <see cref="SessionStorageException"/> class.</summary>
    /// <param name="message">What failed, naming the session when known.</param>
    /// <param name="innerException">The driver or I/O error.</param>
    public SessionStorageException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

namespace Sessions.Sdk;

/// <summary>Represents an error raised by Sessions.Sdk; the base of every exception the library defines.</summary>
public class SessionsException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="SessionsException"/> class.</summary>
    public SessionsException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="SessionsException"/> class with a message.</summary>
    /// <param name="message">The message that describes the error.</param>
    public SessionsException(string? message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="SessionsException"/> class with a message and cause.</summary>
    /// <param name="message">The message that describes the error.</param>
    /// <param name="innerException">The exception that caused this one.</param>
    public SessionsException(string? message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

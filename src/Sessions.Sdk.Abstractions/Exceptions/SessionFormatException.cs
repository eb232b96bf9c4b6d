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

    /// <summary>Initializes a new instance of the <see cref="SessionFormatException"/> class for one damaged stored record.</summary>
    /// <param name="message">What is wrong, naming the session, the record's sequence and where it is stored.</param>
    /// <param name="sessionId">The session concerned.</param>
    /// <param name="sequence">The sequence of the damaged message record, if known.</param>
    /// <param name="offset">Where the record starts in its file (a byte offset), if the store has one.</param>
    /// <param name="innerException">The parser error, if any.</param>
    public SessionFormatException(string message, string sessionId, long? sequence, long? offset, Exception? innerException = null)
        : base(message, innerException)
    {
        SessionId = sessionId;
        Sequence = sequence;
        Offset = offset;
    }

    /// <summary>Gets the session concerned, if known.</summary>
    public string? SessionId { get; }

    /// <summary>Gets the sequence of the damaged message record, when one record is damaged and its sequence is known.</summary>
    /// <remarks>The rest of the session stays readable; <see cref="ISessionRecovery"/> salvages it.</remarks>
    public long? Sequence { get; }

    /// <summary>Gets the byte offset of the damaged record in its file, for stores that keep files.</summary>
    public long? Offset { get; }
}

namespace Sessions.Sdk;

/// <summary>Represents one whole session held in memory: its information and all its messages.</summary>
/// <remarks>For sessions of any length prefer <see cref="SessionFormatReader"/> and <see cref="SessionFormatWriter"/>, which stream.</remarks>
public sealed record SessionDocument
{
    /// <summary>Gets the session's information.</summary>
    public required SessionInfo Session { get; init; }

    /// <summary>Gets the session's messages, in order.</summary>
    public required IReadOnlyList<SessionMessage> Messages { get; init; }
}

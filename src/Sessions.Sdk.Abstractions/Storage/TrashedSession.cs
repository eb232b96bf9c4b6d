namespace Sessions.Sdk;

/// <summary>A session in the trash: its information as it was when trashed, and when it was trashed.</summary>
public sealed record TrashedSession
{
    /// <summary>Gets the session's information (messages are not read).</summary>
    public required SessionInfo Session { get; init; }

    /// <summary>Gets when the session was moved to the trash.</summary>
    public required DateTimeOffset TrashedAt { get; init; }
}

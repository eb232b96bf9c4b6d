using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>Represents one stored message of a session: a <see cref="ChatMessage"/> and what the session adds to it.</summary>
/// <remarks>Storage assigns <see cref="Sequence"/> on append; the value given to an append is ignored.</remarks>
public sealed record SessionMessage
{
    /// <summary>Gets the message's 1-based position in its session, assigned by storage.</summary>
    public long Sequence { get; init; }

    /// <summary>Gets the chat message with all its contents (text, function calls and results, data, usage).</summary>
    public required ChatMessage Message { get; init; }

    /// <summary>Gets when the message was added to the session.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>Gets the name of the provider that produced the message, for model replies.</summary>
    public string? ProviderName { get; init; }

    /// <summary>Gets the model that produced the message, for model replies.</summary>
    public string? ModelId { get; init; }

    /// <summary>Gets the usage and cost of the model call that produced the message.</summary>
    /// <remarks>Storage adds it to the session's <see cref="SessionInfo.Usage"/> when the message is appended.</remarks>
    public SessionUsage? Usage { get; init; }

    /// <summary>Gets how long the model call that produced the message took.</summary>
    public TimeSpan? Latency { get; init; }

    /// <summary>Gets a value indicating whether context-window policies must always keep this message.</summary>
    public bool Pinned { get; init; }

    /// <summary>Gets the message's role, a shortcut for <c>Message.Role</c>.</summary>
    public ChatRole Role => Message.Role;

    /// <summary>Gets the message's text, a shortcut for <c>Message.Text</c>.</summary>
    public string Text => Message.Text;
}

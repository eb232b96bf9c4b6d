using Microsoft.Extensions.AI;

namespace Sessions.Sdk.Testing;

/// <summary>Represents one request a <see cref="ScriptedChatClient"/> received, as it was at the time of the call.</summary>
public sealed record ScriptedChatRequest
{
    /// <summary>Gets the request's zero-based position among all requests the client received.</summary>
    public required int Index { get; init; }

    /// <summary>Gets a copy of the messages sent.</summary>
    public required IReadOnlyList<ChatMessage> Messages { get; init; }

    /// <summary>Gets a clone of the options sent, if any.</summary>
    public ChatOptions? Options { get; init; }

    /// <summary>Gets a value indicating whether the request was a streaming call.</summary>
    public bool IsStreaming { get; init; }

    /// <summary>Gets the text of the last message sent, or an empty string when none was sent.</summary>
    public string LastMessageText => Messages.Count == 0 ? string.Empty : Messages[^1].Text;
}

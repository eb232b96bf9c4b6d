using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>Carries <see cref="SessionMessage.Pinned"/> into the <see cref="ChatMessage"/> list that context policies see.</summary>
/// <remarks>
/// A pinned message is sent as a shallow clone whose <see cref="ChatMessage.AdditionalProperties"/> hold
/// <see cref="PinnedPropertyName"/> = <see langword="true"/>; the stored message is never modified.
/// </remarks>
public static class PinnedMessageExtensions
{
    /// <summary>The additional-properties key that marks a chat message as pinned.</summary>
    public const string PinnedPropertyName = "sessions.pinned";

    /// <summary>Returns the chat message to send for a stored message, marked when pinned.</summary>
    /// <param name="message">The stored message.</param>
    /// <returns>The stored <see cref="ChatMessage"/> itself, or a marked clone when pinned.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is <see langword="null"/>.</exception>
    public static ChatMessage ToChatMessage(this SessionMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!message.Pinned || message.Message.IsPinned())
        {
            return message.Message;
        }

        var clone = message.Message.Clone();
        clone.AdditionalProperties = clone.AdditionalProperties is { } existing ? new AdditionalPropertiesDictionary(existing) : [];
        clone.AdditionalProperties[PinnedPropertyName] = true;
        return clone;
    }

    /// <summary>Returns whether a chat message is marked as pinned.</summary>
    /// <param name="message">The message.</param>
    /// <returns><see langword="true"/> when context policies must keep it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is <see langword="null"/>.</exception>
    public static bool IsPinned(this ChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.AdditionalProperties?.TryGetValue(PinnedPropertyName, out var value) == true
            && (value is true || value is System.Text.Json.JsonElement { ValueKind: System.Text.Json.JsonValueKind.True });
    }
}

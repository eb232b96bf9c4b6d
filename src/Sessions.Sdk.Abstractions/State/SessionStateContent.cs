using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>
/// A typed state event stored in a session's transcript: how plan, edit and other structured sessions keep their state.
/// </summary>
/// <remarks>
/// <para>
/// State travels in the transcript as ordinary messages, so it works on every store (memory, file, SQLite, PostgreSQL,
/// custom) with no per-store code, each event is an acknowledged append (it survives a crash once the call that wrote it
/// returned), and it travels with branch and export. A session's current state is the fold of its events in sequence order.
/// </para>
/// <para>
/// A message holding state events has the role <see cref="Role"/> and only <see cref="SessionStateContent"/> contents
/// (<see cref="IsStateMessage"/>). Such messages are never sent to a model: the chat context skips them. In JSON the content
/// is written with the stable type discriminator <see cref="TypeDiscriminator"/>, which is never renamed.
/// </para>
/// </remarks>
public sealed class SessionStateContent : AIContent
{
    /// <summary>The JSON type discriminator of this content (<c>"$type": "sessions.state"</c>).</summary>
    public const string TypeDiscriminator = "sessions.state";

    /// <summary>Initializes a new instance of the <see cref="SessionStateContent"/> class.</summary>
    /// <param name="stateType">What the state belongs to, such as <c>plan</c> or <c>edit</c>: 1-64 characters, no whitespace.</param>
    /// <param name="eventName">The event, such as <c>plan.created</c> or <c>step.completed</c>: 1-128 characters, no whitespace.</param>
    /// <param name="data">The event's payload (any JSON value; <see cref="JsonValueKind.Undefined"/> is stored as <c>null</c>).</param>
    /// <exception cref="ArgumentException"><paramref name="stateType"/> or <paramref name="eventName"/> is empty, too long or holds whitespace.</exception>
    [JsonConstructor]
    public SessionStateContent(string stateType, string eventName, JsonElement data)
    {
        StateType = ValidateName(stateType, 64, nameof(stateType));
        EventName = ValidateName(eventName, 128, nameof(eventName));
        Data = data.ValueKind == JsonValueKind.Undefined ? NullElement : data.Clone();
    }

    /// <summary>Gets the chat role of messages that hold state events (<c>state</c>).</summary>
    public static ChatRole Role { get; } = new("state");

    /// <summary>Gets what the state belongs to, such as <c>plan</c> or <c>edit</c>.</summary>
    public string StateType { get; }

    /// <summary>Gets the event name, such as <c>step.completed</c>.</summary>
    public string EventName { get; }

    /// <summary>Gets the event's payload.</summary>
    public JsonElement Data { get; }

    /// <summary>Returns whether a message holds state events only (and so is never sent to a model).</summary>
    /// <param name="message">The message.</param>
    /// <returns><see langword="true"/> when the message has at least one content and every content is a <see cref="SessionStateContent"/>.</returns>
    public static bool IsStateMessage(ChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var contents = message.Contents;
        if (contents.Count == 0)
        {
            return false;
        }

        for (int i = 0; i < contents.Count; i++)
        {
            if (contents[i] is not SessionStateContent)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Creates the message that stores one state event.</summary>
    /// <param name="content">The event.</param>
    /// <returns>A message with the role <see cref="Role"/> holding <paramref name="content"/>.</returns>
    public static ChatMessage CreateMessage(SessionStateContent content)
    {
        ArgumentNullException.ThrowIfNull(content);
        return new ChatMessage(Role, [content]);
    }

    /// <inheritdoc />
    public override string ToString() => $"{StateType}:{EventName}";

    private static readonly JsonElement NullElement = JsonDocument.Parse("null").RootElement.Clone();

    private static string ValidateName(string value, int maxLength, string paramName)
    {
        ArgumentException.ThrowIfNullOrEmpty(value, paramName);
        if (value.Length > maxLength)
        {
            throw new ArgumentException($"'{paramName}' must be at most {maxLength} characters (was {value.Length}).", paramName);
        }

        foreach (char c in value)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c) || char.IsSurrogate(c))
            {
                throw new ArgumentException($"'{paramName}' must not contain whitespace, control or surrogate characters: '{value}'.", paramName);
            }
        }

        return value;
    }
}

using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>One edit state event read back from the session, with the sequence of the message holding it.</summary>
internal readonly record struct EditStateEvent(long Sequence, string EventName, JsonElement Data);

/// <summary>The seam between edit sessions and the session they are stored in: state events, the conversation length, truncation.</summary>
internal interface IEditStateLog
{
    /// <summary>Gets how many messages the session holds.</summary>
    long MessageCount { get; }

    /// <summary>Appends one state event; it is persisted when the call returns.</summary>
    Task AppendAsync(string eventName, JsonElement data, CancellationToken cancellationToken);

    /// <summary>Reads every edit state event, in order.</summary>
    Task<IReadOnlyList<EditStateEvent>> ReadAsync(CancellationToken cancellationToken);

    /// <summary>Keeps only the first <paramref name="keepFirst"/> messages.</summary>
    Task TruncateAsync(long keepFirst, CancellationToken cancellationToken);
}

/// <summary>Stores edit state events as state messages of the session.</summary>
internal sealed class SessionEditStateLog(Session session, ISessionStorage storage) : IEditStateLog
{
    internal const string StateType = "edit";

    // Until the shared SessionStateContent lands: a message of role "state" whose text is the event envelope.
    private static readonly ChatRole StateRole = new("state");

    public long MessageCount => session.MessageCount;

    public async Task AppendAsync(string eventName, JsonElement data, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("stateType", StateType);
            writer.WriteString("event", eventName);
            writer.WritePropertyName("data");
            data.WriteTo(writer);
            writer.WriteEndObject();
        }

        var message = new ChatMessage(StateRole, System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
        await session.AddMessageAsync(message, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<EditStateEvent>> ReadAsync(CancellationToken cancellationToken)
    {
        var events = new List<EditStateEvent>();
        const int page = 256;
        for (int skip = 0; ; skip += page)
        {
            var messages = await session.GetMessagesAsync(new MessageRange(skip, page), cancellationToken).ConfigureAwait(false);
            foreach (var m in messages)
            {
                if (m.Message.Role != StateRole || m.Message.Text is not { Length: > 0 } text)
                {
                    continue;
                }

                using var doc = JsonDocument.Parse(text);
                var root = doc.RootElement;
                if (root.TryGetProperty("stateType", out var type) && type.ValueEquals(StateType))
                {
                    events.Add(new EditStateEvent(m.Sequence, root.GetProperty("event").GetString()!, root.GetProperty("data").Clone()));
                }
            }

            if (messages.Count < page)
            {
                return events;
            }
        }
    }

    public async Task TruncateAsync(long keepFirst, CancellationToken cancellationToken)
    {
        var kept = keepFirst == 0 ? [] : await storage.GetMessagesAsync(session.Id, new MessageRange(0, checked((int)keepFirst)), cancellationToken).ConfigureAwait(false);
        await storage.ReplaceMessagesAsync(session.Id, kept, session.Info.Version, cancellationToken).ConfigureAwait(false);
        await session.RefreshAsync(cancellationToken).ConfigureAwait(false);
    }
}

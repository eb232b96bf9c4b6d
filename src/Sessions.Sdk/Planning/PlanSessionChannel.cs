using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>
/// The one seam between plan sessions and the session runtime: persisting and reading state events, and model turns.
/// </summary>
/// <remarks>
/// Everything Planning needs from <see cref="Session"/> goes through here, so moving to the internal session writer and
/// chat turn changes this file only.
/// </remarks>
internal static class PlanSessionChannel
{
    /// <summary>Appends one plan state event; it is durable when the call returns.</summary>
    public static async Task AppendStateAsync(Session session, string eventName, JsonElement data, CancellationToken cancellationToken)
    {
        // Temporary encoding until SessionStateContent is on main: a message of role "state" whose text is the event.
        var text = JsonSerializer.Serialize(new TemporaryStateEnvelope { StateType = PlanEvents.StateType, EventName = eventName, Data = data }, TemporaryStateJsonContext.Default.TemporaryStateEnvelope);
        await session.AddMessageAsync(new ChatMessage(StateRole, text), cancellationToken).ConfigureAwait(false);
        if (!session.Autosave)
        {
            await session.SaveAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads the plan state events in the order they were appended.</summary>
    public static async IAsyncEnumerable<(string EventName, JsonElement Data)> ReadStateAsync(Session session, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        const int PageSize = 512;
        int skip = 0;
        while (true)
        {
            var page = await session.GetMessagesAsync(new MessageRange(skip, PageSize), cancellationToken).ConfigureAwait(false);
            foreach (var message in page)
            {
                if (message.Message.Role == StateRole)
                {
                    var envelope = JsonSerializer.Deserialize(message.Message.Text, TemporaryStateJsonContext.Default.TemporaryStateEnvelope);
                    if (envelope is not null && envelope.StateType == PlanEvents.StateType)
                    {
                        yield return (envelope.EventName, envelope.Data);
                    }
                }
            }

            if (page.Count < PageSize)
            {
                yield break;
            }

            skip += page.Count;
        }
    }

    /// <summary>Sends a user turn to the session's model (with the session's tools) and stores the exchange.</summary>
    public static Task<ChatResponse> SendAsync(Session session, string text, ChatOptions? options, CancellationToken cancellationToken) =>
        session.SendAsync(text, options, cancellationToken);

    private static readonly ChatRole StateRole = new("state");
}

internal sealed class TemporaryStateEnvelope
{
    public string StateType { get; init; } = string.Empty;

    public string EventName { get; init; } = string.Empty;

    public JsonElement Data { get; init; }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(TemporaryStateEnvelope))]
internal sealed partial class TemporaryStateJsonContext : System.Text.Json.Serialization.JsonSerializerContext;

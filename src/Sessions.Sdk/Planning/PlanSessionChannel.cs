using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>
/// The one seam between plan sessions and the session runtime: persisting and reading state events, and model turns.
/// </summary>
/// <remarks>
/// Everything Planning needs from <see cref="Session"/> goes through here, so moving to the internal session writer and
/// chat turn changes this file only. State events are <see cref="SessionStateContent"/>s of state type <c>plan</c>.
/// </remarks>
internal static class PlanSessionChannel
{
    /// <summary>Appends one plan state event; it is durable when the call returns.</summary>
    public static Task AppendStateAsync(Session session, string eventName, JsonElement data, CancellationToken cancellationToken) =>
        session.AppendStateAsync(PlanEvents.StateType, eventName, data, cancellationToken);

    /// <summary>Reads the plan state events in the order they were appended.</summary>
    public static async IAsyncEnumerable<(string EventName, JsonElement Data)> ReadStateAsync(Session session, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var state in session.ReadStateAsync(PlanEvents.StateType, cancellationToken).ConfigureAwait(false))
        {
            yield return (state.EventName, state.Data);
        }
    }

    /// <summary>Sends a user turn to the session's model (with the session's tools) and stores the exchange.</summary>
    public static Task<ChatResponse> SendAsync(Session session, string text, ChatOptions? options, CancellationToken cancellationToken) =>
        session.SendAsync(text, options, cancellationToken);
}

using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Sessions.Sdk;

/// <summary>Appends and reads the structured state events (<see cref="SessionStateContent"/>) of a <see cref="Session"/>.</summary>
/// <remarks>
/// State events are stored as messages in the session's transcript (see <see cref="SessionStateContent"/>), so they are
/// persisted by every store, copied by branch and export, and never sent to a model.
/// </remarks>
public static class SessionStateExtensions
{
    private const int PageSize = 512;

    /// <summary>Appends one state event to the session and persists it before returning.</summary>
    /// <param name="session">The session.</param>
    /// <param name="stateType">What the state belongs to, such as <c>plan</c>.</param>
    /// <param name="eventName">The event, such as <c>step.completed</c>.</param>
    /// <param name="data">The event's payload.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The stored message (its sequence orders the event among all of the session's messages).</returns>
    /// <remarks>The event is durable when the call returns, even with <see cref="Session.Autosave"/> off (pending changes are saved with it).</remarks>
    public static async Task<SessionMessage> AppendStateAsync(this Session session, string stateType, string eventName, JsonElement data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        var content = new SessionStateContent(stateType, eventName, data);
        var stored = await session.AddMessageAsync(SessionStateContent.CreateMessage(content), cancellationToken).ConfigureAwait(false);
        if (!session.Autosave)
        {
            await session.SaveAsync(cancellationToken).ConfigureAwait(false);
        }

        return stored;
    }

    /// <summary>Reads the session's state events of one state type, oldest first.</summary>
    /// <param name="session">The session.</param>
    /// <param name="stateType">The state type to read, such as <c>plan</c>.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The events in sequence order.</returns>
    /// <remarks>Reads the transcript in pages of stored messages; the cost grows with the session's length.</remarks>
    public static async IAsyncEnumerable<SessionStateContent> ReadStateAsync(this Session session, string stateType, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentException.ThrowIfNullOrEmpty(stateType);
        int skip = 0;
        while (true)
        {
            var page = await session.GetMessagesAsync(new MessageRange(skip, PageSize), cancellationToken).ConfigureAwait(false);
            foreach (var message in page)
            {
                foreach (var content in message.Message.Contents)
                {
                    if (content is SessionStateContent state && string.Equals(state.StateType, stateType, StringComparison.Ordinal))
                    {
                        yield return state;
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
}

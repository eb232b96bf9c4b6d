using System.Text.Json;

namespace Sessions.Sdk;

/// <summary>One edit state event read back from the session, with the sequence of the message holding it.</summary>
internal readonly record struct EditStateEvent(long Sequence, string EventName, JsonElement Data);

/// <summary>The seam between edit sessions and the session they are stored in: state events, the conversation length, truncation.</summary>
internal interface IEditStateLog
{
    /// <summary>Gets how many messages the session holds.</summary>
    long MessageCount { get; }

    /// <summary>Appends one state event; it is persisted when the call returns. Returns the sequence of the message holding it.</summary>
    Task<long> AppendAsync(string eventName, JsonElement data, CancellationToken cancellationToken);

    /// <summary>Reads every edit state event, in order.</summary>
    Task<IReadOnlyList<EditStateEvent>> ReadAsync(CancellationToken cancellationToken);

    /// <summary>Keeps only the first <paramref name="keepFirst"/> messages.</summary>
    Task TruncateAsync(long keepFirst, CancellationToken cancellationToken);
}

/// <summary>Stores edit state events as structured state events (<see cref="SessionStateContent"/>, state type <c>edit</c>) of the session.</summary>
internal sealed class SessionEditStateLog(Session session, ISessionStorage storage) : IEditStateLog
{
    internal const string StateType = "edit";

    public long MessageCount => session.MessageCount;

    public async Task<long> AppendAsync(string eventName, JsonElement data, CancellationToken cancellationToken)
    {
        var stored = await session.AppendStateAsync(StateType, eventName, data, cancellationToken).ConfigureAwait(false);
        return stored.Sequence;
    }

    public async Task<IReadOnlyList<EditStateEvent>> ReadAsync(CancellationToken cancellationToken)
    {
        // ReadStateAsync gives no sequences, which rewind needs: read the pages here and keep each event's message sequence.
        var events = new List<EditStateEvent>();
        const int page = 512;
        for (int skip = 0; ; skip += page)
        {
            var messages = await session.GetMessagesAsync(new MessageRange(skip, page), cancellationToken).ConfigureAwait(false);
            foreach (var m in messages)
            {
                foreach (var content in m.Message.Contents)
                {
                    if (content is SessionStateContent state && string.Equals(state.StateType, StateType, StringComparison.Ordinal))
                    {
                        events.Add(new EditStateEvent(m.Sequence, state.EventName, state.Data));
                    }
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
        await session.SaveAsync(cancellationToken).ConfigureAwait(false);
        await session.RefreshAsync(cancellationToken).ConfigureAwait(false);
        var kept = keepFirst == 0 ? [] : await storage.GetMessagesAsync(session.Id, new MessageRange(0, checked((int)keepFirst)), cancellationToken).ConfigureAwait(false);
        await storage.ReplaceMessagesAsync(session.Id, kept, session.Info.Version, cancellationToken).ConfigureAwait(false);
        await session.RefreshAsync(cancellationToken).ConfigureAwait(false);
    }
}

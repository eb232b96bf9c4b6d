using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>
/// The one seam between plan sessions and the session runtime: persisting and reading state events, and model turns.
/// </summary>
/// <remarks>
/// Everything Planning needs from <see cref="Session"/> goes through here: its internal session writer (state events) and
/// chat turn (model-written plans go through <c>SendAsync</c>, steps through <see cref="RunStepTurnAsync"/>). State events are <see cref="SessionStateContent"/>s of state type <c>plan</c>.
/// </remarks>
internal static class PlanSessionChannel
{
    /// <summary>Appends one plan state event; it is durable when the call returns.</summary>
    public static Task AppendStateAsync(Session session, string eventName, JsonElement data, CancellationToken cancellationToken) =>
        session.AppendStateAsync(PlanEvents.StateType, eventName, data, cancellationToken);

    /// <summary>Appends plan state events as one message (one record: stored whole or not at all); durable when the call returns.</summary>
    /// <remarks>The events keep their order within the message, and <see cref="ReadStateAsync"/> returns them in that order.</remarks>
    public static async Task AppendStateAsync(Session session, IReadOnlyList<SessionStateContent> events, CancellationToken cancellationToken)
    {
        var contents = new List<AIContent>(events.Count);
        foreach (var e in events)
        {
            contents.Add(e);
        }

        var writer = session.Writer;
        await writer.AppendAsync([writer.NewMessage(new ChatMessage(SessionStateContent.Role, contents))], cancellationToken).ConfigureAwait(false);
        if (!writer.Autosave)
        {
            await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads the plan state events in the order they were appended.</summary>
    public static async IAsyncEnumerable<(string EventName, JsonElement Data)> ReadStateAsync(Session session, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var state in session.ReadStateAsync(PlanEvents.StateType, cancellationToken).ConfigureAwait(false))
        {
            yield return (state.EventName, state.Data);
        }
    }

    /// <summary>
    /// Runs one plan step as a chat turn of the session through the library's <see cref="ChatTurn"/> (the pipeline, tools,
    /// context policy, usage and cost recording of <see cref="Session.SendAsync(ChatMessage, ChatOptions?, CancellationToken)"/>),
    /// and stores the exchange (prompt, tool rounds, reply) as one contiguous append.
    /// </summary>
    /// <remarks>
    /// The context is the one <c>SendAsync</c> builds (system prompt and the newest <see cref="Session.MaxHistoryMessages"/>
    /// messages, state events skipped), followed by the prompt. The exchange is buffered while the model works and appended
    /// in one piece afterwards, so independent steps call the model in parallel without interleaving their messages (a
    /// tool call always stays next to its result). When the call fails, what completed (the prompt and finished tool rounds)
    /// is stored, as <c>SendAsync</c> does, and the exception propagates.
    /// </remarks>
    public static async Task<ChatResponse> RunStepTurnAsync(Session session, ChatMessage prompt, ChatOptions? options, CancellationToken cancellationToken)
    {
        var writer = session.Writer;

        // Autosave off: the turn's messages stay in this buffer (never in storage) until they are appended below.
        var exchange = new SessionWriter(writer.Storage, writer.TimeProvider, writer.Info with { MessageCount = 0 }, autosave: false);
        var call = session.ChatTurn.Prepare(session, options, exchange);
        var context = await ChatTurn.BuildContextAsync(writer, session.MaxHistoryMessages, cancellationToken).ConfigureAwait(false);
        await exchange.AppendAsync([exchange.NewMessage(prompt)], cancellationToken).ConfigureAwait(false);
        context.Add(prompt);
        ChatTurnResult result;
        try
        {
            result = await session.ChatTurn.RunAsync(call, context, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception)
        {
            await StoreExchangeAsync(writer, exchange).ConfigureAwait(false);
            throw;
        }

        await StoreExchangeAsync(writer, exchange).ConfigureAwait(false);
        return result.Response;
    }

    private static async Task StoreExchangeAsync(SessionWriter writer, SessionWriter exchange)
    {
        // Not cancellable: a reply the model already gave (and was paid for) is kept even when the step's token fired meanwhile.
        var messages = await exchange.GetMessagesAsync(MessageRange.All, CancellationToken.None).ConfigureAwait(false);
        await writer.AppendAsync(messages, CancellationToken.None).ConfigureAwait(false);
        if (!writer.Autosave)
        {
            await writer.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Sends a user turn to the session's model (with the session's tools) and stores the exchange.</summary>
    public static Task<ChatResponse> SendAsync(Session session, string text, ChatOptions? options, CancellationToken cancellationToken) =>
        session.SendAsync(text, options, cancellationToken);
}

using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>Sits below <see cref="FunctionInvokingChatClient"/> and sees every model round of a session turn.</summary>
/// <remarks>
/// Before each model call it has the session store the previous tool round (the model's calls and the results
/// M.E.AI's tool loop produced), so every round is persisted as it completes; it records each round's response,
/// usage and latency; and once the tool-round limit is reached it asks the model to answer without tools.
/// Calls without a session turn (<see cref="SessionChatOptions.Turn"/>) pass through untouched.
/// </remarks>
internal sealed class ToolRoundChatClient(IChatClient innerClient) : DelegatingChatClient(innerClient)
{
    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        if ((options as SessionChatOptions)?.Turn is not { } turn)
        {
            return base.GetResponseAsync(messages, options, cancellationToken);
        }

        var list = messages as IList<ChatMessage> ?? [.. messages];
        var before = turn.BeforeModelCallAsync(list, options!, cancellationToken);
        if (!before.IsCompletedSuccessfully)
        {
            return RecordAsync(turn, list, before, cancellationToken);
        }

        // Completed at once (nothing to store, or a store that answers synchronously): no state machine, and the inner task is returned as is.
        long started = turn.TimeProvider.GetTimestamp();
        var call = base.GetResponseAsync(list, before.Result, cancellationToken);
        if (!call.IsCompletedSuccessfully)
        {
            return RecordAsync(turn, call, started);
        }

        turn.Record(call.Result, turn.TimeProvider.GetElapsedTime(started));
        return call;
    }

    private static async Task<ChatResponse> RecordAsync(ChatTurnState turn, Task<ChatResponse> call, long started)
    {
        var response = await call.ConfigureAwait(false);
        turn.Record(response, turn.TimeProvider.GetElapsedTime(started));
        return response;
    }

    private async Task<ChatResponse> RecordAsync(ChatTurnState turn, IList<ChatMessage> list, ValueTask<ChatOptions> before, CancellationToken cancellationToken)
    {
        var options = await before.ConfigureAwait(false);
        long started = turn.TimeProvider.GetTimestamp();
        var response = await base.GetResponseAsync(list, options, cancellationToken).ConfigureAwait(false);
        turn.Record(response, turn.TimeProvider.GetElapsedTime(started));
        return response;
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if ((options as SessionChatOptions)?.Turn is not { } turn)
        {
            await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
            {
                yield return update;
            }

            yield break;
        }

        var list = messages as IList<ChatMessage> ?? [.. messages];
        options = await turn.BeforeModelCallAsync(list, options!, cancellationToken).ConfigureAwait(false);
        long started = turn.TimeProvider.GetTimestamp();
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in base.GetStreamingResponseAsync(list, options, cancellationToken).ConfigureAwait(false))
        {
            updates.Add(update);
            yield return update;
        }

        // Reached only when the round's stream completed: an abandoned or failed round is never recorded.
        turn.Record(updates.ToChatResponse(), turn.TimeProvider.GetElapsedTime(started));
    }
}

using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>One session turn's state while it runs through the pipeline: the rounds seen so far and how to store them.</summary>
/// <remarks>
/// Used by <see cref="ToolRoundChatClient"/> (below the tool loop) and by <see cref="ChatTurn"/> (above it). Rounds of one
/// turn run one after another, so no locking is needed.
/// </remarks>
internal sealed class ChatTurnState(
    ChatTurn turn, SessionWriter writer, string providerName, string? modelId, int maxToolIterations, Action? onRoundStored)
{
    /// <summary>The result text stored for a call the tool loop did not invoke (limit reached, or a tool the session cannot run).</summary>
    public const string NotInvokedResult = "Error: The tool-call limit for this turn was reached or the function is not available; the function was not invoked.";

    public TimeProvider TimeProvider => writer.TimeProvider;

    public string ProviderName { get; } = providerName;

    public string? ModelId { get; } = modelId;

    /// <summary>Gets the number of model calls made so far in this turn.</summary>
    public int ModelCalls { get; private set; }

    /// <summary>Gets the last model round's response, not yet stored, with its latency.</summary>
    public (ChatResponse Response, TimeSpan Latency)? Pending { get; private set; }

    /// <summary>Stores the previous round (its calls were answered by the tool loop) and shapes the options of the next call.</summary>
    public async ValueTask<ChatOptions> BeforeModelCallAsync(IList<ChatMessage> messages, ChatOptions options, CancellationToken cancellationToken)
    {
        if (Pending is { } previous)
        {
            // The tool loop appended the previous round's results at the end of the history it sends now.
            int first = messages.Count;
            while (first > 0 && messages[first - 1].Role == ChatRole.Tool)
            {
                first--;
            }

            var results = new List<ChatMessage>(messages.Count - first);
            for (int i = first; i < messages.Count; i++)
            {
                results.Add(messages[i]);
            }

            Pending = null;
            await StoreRoundAsync(previous.Response, previous.Latency, results, cancellationToken).ConfigureAwait(false);
        }

        if (ModelCalls++ >= maxToolIterations && options.Tools is { Count: > 0 } && options.ToolMode is not NoneChatToolMode)
        {
            // The tool loop will not invoke what this call asks for: ask the model to answer in words.
            var clone = options.Clone();
            clone.ToolMode = ChatToolMode.None;
            return clone;
        }

        return options;
    }

    /// <summary>Records a completed model round.</summary>
    public void Record(ChatResponse response, TimeSpan latency) => Pending = (response, latency);

    /// <summary>Stores the last round: the reply, plus results for any calls in it (from <paramref name="output"/>, or a not-invoked error).</summary>
    public async Task<IReadOnlyList<SessionMessage>> StoreFinalAsync(IEnumerable<ChatMessage> output, CancellationToken cancellationToken)
    {
        if (Pending is not { } last)
        {
            return [];
        }

        Pending = null;
        return await StoreRoundAsync(last.Response, last.Latency, [.. output.Where(m => m.Role == ChatRole.Tool)], cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<SessionMessage>> StoreRoundAsync(ChatResponse response, TimeSpan latency, List<ChatMessage> toolMessages, CancellationToken cancellationToken)
    {
        var messages = new List<ChatMessage>(response.Messages.Count + 1);
        messages.AddRange(response.Messages);
        AnswerUnansweredCalls(messages, toolMessages);
        var stored = await turn.StoreRoundAsync(writer, this, response, messages, response.Messages.Count, latency, cancellationToken).ConfigureAwait(false);
        onRoundStored?.Invoke();
        return stored;
    }

    /// <summary>Appends the tool results for the round's calls; a call without a result gets a not-invoked error, so the stored history stays valid.</summary>
    private static void AnswerUnansweredCalls(List<ChatMessage> messages, List<ChatMessage> toolMessages)
    {
        HashSet<string>? open = null;
        foreach (var message in messages)
        {
            foreach (var content in message.Contents)
            {
                if (content is FunctionCallContent { InformationalOnly: false } call)
                {
                    (open ??= new(StringComparer.Ordinal)).Add(call.CallId);
                }
            }
        }

        if (open is null)
        {
            return;
        }

        foreach (var tool in toolMessages)
        {
            bool answers = false;
            foreach (var content in tool.Contents)
            {
                if (content is FunctionResultContent result && open.Remove(result.CallId))
                {
                    answers = true;
                }
            }

            if (answers)
            {
                messages.Add(tool);
            }
        }

        if (open.Count > 0)
        {
            var results = new List<AIContent>(open.Count);
            foreach (var message in messages)
            {
                foreach (var content in message.Contents)
                {
                    if (content is FunctionCallContent { InformationalOnly: false } call && open.Contains(call.CallId))
                    {
                        results.Add(new FunctionResultContent(call.CallId, NotInvokedResult));
                    }
                }
            }

            messages.Add(new ChatMessage(ChatRole.Tool, results) { MessageId = Guid.NewGuid().ToString("N") });
        }
    }
}

using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>One session turn's state while it runs through the pipeline: the rounds seen so far and how to store them.</summary>
/// <remarks>
/// Used by <see cref="ToolRoundChatClient"/> (below the tool loop) and by <see cref="ChatTurn"/> (above it). Rounds of one
/// turn run one after another, so no locking is needed.
/// </remarks>
internal sealed class ChatTurnState(ChatTurn turn, SessionWriter writer, string providerName, string? modelId, int maxToolIterations)
{
    /// <summary>The result text stored for a call the tool loop did not invoke (limit reached, or a tool the session cannot run).</summary>
    public const string NotInvokedResult = "Error: The tool-call limit for this turn was reached or the function is not available; the function was not invoked.";

    public TimeProvider TimeProvider => writer.TimeProvider;

    /// <summary>Gets or sets what to do after a round is stored (a stream forgets the updates it buffered for it).</summary>
    public Action? OnRoundStored { get; set; }

    public string ProviderName { get; } = providerName;

    public string? ModelId { get; } = modelId;

    /// <summary>Gets the number of model calls made so far in this turn.</summary>
    public int ModelCalls { get; private set; }

    /// <summary>Gets the last model round, not yet stored.</summary>
    public ChatRound? Pending { get; private set; }

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
            await StoreRoundAsync(previous, results, cancellationToken).ConfigureAwait(false);
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
    /// <remarks>
    /// Takes a snapshot: M.E.AI's tool loop later reuses the last round's response object for the whole turn (all messages,
    /// summed usage), and adds later rounds' usage into the first round's <see cref="UsageDetails"/>.
    /// </remarks>
    public void Record(ChatResponse response, TimeSpan latency)
    {
        RoundUsage? usage = response.Usage is { } u ? new RoundUsage(u.InputTokenCount, u.OutputTokenCount, u.TotalTokenCount) : null;
        Pending = new ChatRound([.. response.Messages], usage, response.ModelId, ProviderOf(response.AdditionalProperties), latency);
    }

    /// <summary>Stores the last round: the reply, plus results for any calls in it (from <paramref name="output"/>, or a not-invoked error).</summary>
    public ValueTask<IReadOnlyList<SessionMessage>> StoreFinalAsync(IList<ChatMessage> output, CancellationToken cancellationToken)
    {
        if (Pending is not { } last)
        {
            return new ValueTask<IReadOnlyList<SessionMessage>>([]);
        }

        Pending = null;
        List<ChatMessage>? tools = null;
        for (int i = 0; i < output.Count; i++)
        {
            if (output[i].Role == ChatRole.Tool)
            {
                (tools ??= []).Add(output[i]);
            }
        }

        return StoreRoundAsync(last, tools ?? (IReadOnlyList<ChatMessage>)[], cancellationToken);
    }

    private static string? ProviderOf(AdditionalPropertiesDictionary? properties) =>
        properties?.TryGetValue(ResilientChatClient.ProviderPropertyName, out var value) == true && value is string fallback ? fallback : null;

    private async ValueTask<IReadOnlyList<SessionMessage>> StoreRoundAsync(ChatRound round, IReadOnlyList<ChatMessage> toolMessages, CancellationToken cancellationToken)
    {
        // The round's list is this state's own snapshot (see Record): the answers are added to it.
        var messages = round.Messages;
        int responseCount = messages.Count;
        AnswerUnansweredCalls(messages, toolMessages);
        var stored = await turn.StoreRoundAsync(writer, this, round, messages, responseCount, cancellationToken).ConfigureAwait(false);
        OnRoundStored?.Invoke();
        return stored;
    }

    /// <summary>Appends the tool results for the round's calls; a call without a result gets a not-invoked error, so the stored history stays valid.</summary>
    /// <remarks>The tool loop marks the calls it handled as informational, so every call counts when matching results.</remarks>
    private static void AnswerUnansweredCalls(List<ChatMessage> messages, IReadOnlyList<ChatMessage> toolMessages)
    {
        HashSet<string>? open = null;
        foreach (var message in messages)
        {
            var contents = message.Contents;
            for (int i = 0; i < contents.Count; i++)
            {
                if (contents[i] is FunctionCallContent call)
                {
                    (open ??= new(StringComparer.Ordinal)).Add(call.CallId);
                }
            }
        }

        if (open is null)
        {
            return;
        }

        // Results the response itself carries (a provider that ran the tool) already answer their calls.
        foreach (var message in messages)
        {
            var contents = message.Contents;
            for (int i = 0; i < contents.Count; i++)
            {
                if (contents[i] is FunctionResultContent answered)
                {
                    open.Remove(answered.CallId);
                }
            }
        }

        if (open.Count == 0)
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

        // A call still open and not informational (the limit was reached, or its tool cannot be invoked) gets an error result.
        var results = new List<AIContent>();
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

        if (results.Count > 0)
        {
            messages.Add(new ChatMessage(ChatRole.Tool, results) { MessageId = Guid.NewGuid().ToString("N") });
        }
    }
}

/// <summary>One model call of a turn as it returned: its messages, usage, model, the provider that answered (after a fallback) and latency.</summary>
internal sealed record ChatRound(List<ChatMessage> Messages, RoundUsage? Usage, string? ModelId, string? FallbackProviderName, TimeSpan Latency);

/// <summary>The token counts a model round reported, copied when it returned (M.E.AI's tool loop later adds other rounds into its usage object).</summary>
/// <param name="InputTokens">The input tokens.</param>
/// <param name="OutputTokens">The output tokens.</param>
/// <param name="TotalTokens">The total tokens.</param>
internal readonly record struct RoundUsage(long? InputTokens, long? OutputTokens, long? TotalTokens);

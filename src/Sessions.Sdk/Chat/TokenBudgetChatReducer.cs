using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>Keeps the system prompt, pinned messages and as many recent messages as fit a token budget.</summary>
/// <remarks>Tokens are estimated (about four characters per token) unless a counter is given.</remarks>
internal sealed class TokenBudgetChatReducer : IChatReducer
{
    private readonly int _maxTokens;
    private readonly Func<ChatMessage, int> _counter;

    public TokenBudgetChatReducer(int maxTokens, Func<ChatMessage, int>? counter = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 1);
        _maxTokens = maxTokens;
        _counter = counter ?? ChatTokenEstimator.Estimate;
    }

    public int MaxTokens => _maxTokens;

    public Task<IEnumerable<ChatMessage>> ReduceAsync(IEnumerable<ChatMessage> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages is IList<ChatMessage> list && FitsUnchanged(list))
        {
            return Task.FromResult<IEnumerable<ChatMessage>>(list);
        }

        var context = ChatContext.Create(messages);
        long systemTokens = 0;
        foreach (var message in context.System)
        {
            systemTokens += _counter(message);
        }

        var counter = _counter;
        var keep = context.KeepSuffix(Math.Max(0, _maxTokens - systemTokens), unit => unit.EstimateTokens(counter));
        return Task.FromResult<IEnumerable<ChatMessage>>(context.Assemble(keep));
    }

    /// <summary>Returns whether the reduction would keep every message in its place, without building the units.</summary>
    /// <remarks>
    /// True when system messages only lead, no tool result comes before the conversation (an orphan the reduction drops) and the
    /// whole list fits the budget. Each message counts at least one token, never less than its unit would, so a list that fits
    /// here is kept whole by the full reduction too.
    /// </remarks>
    private bool FitsUnchanged(IList<ChatMessage> messages)
    {
        long tokens = 0;
        bool conversation = false;
        for (int i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            var role = message.Role;
            if (role == ChatRole.System)
            {
                if (conversation)
                {
                    return false;
                }
            }
            else if (role == ChatRole.Tool)
            {
                if (!conversation)
                {
                    return false;
                }
            }
            else
            {
                conversation = true;
            }

            tokens += Math.Max(1, _counter(message));
            if (tokens > _maxTokens)
            {
                return false;
            }
        }

        return true;
    }
}

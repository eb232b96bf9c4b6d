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
}

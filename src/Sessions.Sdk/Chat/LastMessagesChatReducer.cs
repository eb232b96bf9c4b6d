using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>Keeps the system prompt, pinned messages and the most recent messages up to a count.</summary>
internal sealed class LastMessagesChatReducer : IChatReducer
{
    private readonly int _count;

    public LastMessagesChatReducer(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        _count = count;
    }

    public Task<IEnumerable<ChatMessage>> ReduceAsync(IEnumerable<ChatMessage> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages is ICollection<ChatMessage> collection && collection.Count <= _count)
        {
            // Nothing to drop, but orphaned tool results must still go.
            if (!StartsWithTool(collection))
            {
                return Task.FromResult(messages);
            }
        }

        var context = ChatContext.Create(messages);
        var keep = context.KeepSuffix(_count, static unit => unit.Messages.Count, pinnedCount: false);
        return Task.FromResult<IEnumerable<ChatMessage>>(context.Assemble(keep));
    }

    private static bool StartsWithTool(ICollection<ChatMessage> messages)
    {
        foreach (var message in messages)
        {
            if (message.Role == ChatRole.System)
            {
                continue;
            }

            return message.Role == ChatRole.Tool;
        }

        return false;
    }
}

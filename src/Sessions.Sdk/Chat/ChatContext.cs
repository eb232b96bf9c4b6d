using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>Splits a message list into what a context policy must keep and the units it may drop.</summary>
/// <remarks>
/// A unit is a message plus the tool messages that answer it, so a function call is never separated from its results.
/// System messages and pinned units are always kept; tool results whose call was cut off by the history window are dropped,
/// since providers reject them.
/// </remarks>
internal sealed class ChatContext
{
    private ChatContext(List<ChatMessage> system, List<Unit> units, int count)
    {
        System = system;
        Units = units;
        Count = count;
    }

    /// <summary>Gets the system messages, in order.</summary>
    public List<ChatMessage> System { get; }

    /// <summary>Gets the droppable units (and pinned units), in order.</summary>
    public List<Unit> Units { get; }

    /// <summary>Gets the number of input messages.</summary>
    public int Count { get; }

    public static ChatContext Create(IEnumerable<ChatMessage> messages)
    {
        var system = new List<ChatMessage>(1);
        var units = new List<Unit>();
        int count = 0;
        Unit? current = null;
        foreach (var message in messages)
        {
            count++;
            if (message.Role == ChatRole.System)
            {
                system.Add(message);
                continue;
            }

            if (message.Role == ChatRole.Tool)
            {
                if (!IsOrphanedToolResult(message, current is not null))
                {
                    current!.Add(message);
                }

                continue;
            }

            current = new Unit(units.Count);
            current.Add(message);
            units.Add(current);
        }

        return new ChatContext(system, units, count);
    }

    /// <summary>Returns whether a message is a tool result with no call before it (the window cut its call off); providers reject those.</summary>
    /// <remarks>The one rule for dropping orphaned tool results, used by the session context and by every context policy.</remarks>
    /// <param name="message">The message.</param>
    /// <param name="afterConversation">Whether a user or assistant message came before it in the context.</param>
    public static bool IsOrphanedToolResult(ChatMessage message, bool afterConversation) => message.Role == ChatRole.Tool && !afterConversation;

    /// <summary>Returns the system messages, then the kept units in their original order.</summary>
    public List<ChatMessage> Assemble(bool[] keep, ChatMessage? summary = null)
    {
        var result = new List<ChatMessage>(Count);
        result.AddRange(System);
        if (summary is not null)
        {
            result.Add(summary);
        }

        for (int i = 0; i < Units.Count; i++)
        {
            if (keep[i])
            {
                result.AddRange(Units[i].Messages);
            }
        }

        return result;
    }

    /// <summary>Marks the longest suffix of units whose total cost fits the budget (the last unit always), plus every pinned unit.</summary>
    /// <param name="budget">The budget.</param>
    /// <param name="cost">A unit's cost.</param>
    /// <param name="pinnedCount">Whether pinned units use up the budget (tokens do; a message count does not).</param>
    public bool[] KeepSuffix(long budget, Func<Unit, long> cost, bool pinnedCount = true)
    {
        var keep = new bool[Units.Count];
        long used = 0;
        foreach (var unit in Units)
        {
            if (unit.Pinned)
            {
                keep[unit.Index] = true;
                used += pinnedCount ? cost(unit) : 0;
            }
        }

        for (int i = Units.Count - 1; i >= 0; i--)
        {
            var unit = Units[i];
            if (unit.Pinned)
            {
                continue;
            }

            long c = cost(unit);
            if (i != Units.Count - 1 && used + c > budget)
            {
                break;
            }

            keep[i] = true;
            used += c;
        }

        return keep;
    }

    /// <summary>A message and the tool results that answer it.</summary>
    internal sealed class Unit(int index)
    {
        public int Index { get; } = index;

        public List<ChatMessage> Messages { get; } = new(1);

        public bool Pinned { get; private set; }

        public int Tokens { get; private set; }

        public void Add(ChatMessage message)
        {
            Messages.Add(message);
            Pinned |= message.IsPinned();
        }

        public int EstimateTokens(Func<ChatMessage, int> counter)
        {
            if (Tokens == 0)
            {
                int sum = 0;
                foreach (var message in Messages)
                {
                    sum += counter(message);
                }

                Tokens = Math.Max(1, sum);
            }

            return Tokens;
        }
    }
}

using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Sessions.Sdk;

/// <summary>Chooses which messages of a session's history are sent to the model; the stored transcript always stays whole.</summary>
/// <remarks>
/// Every built-in policy keeps the system prompt and pinned messages (<see cref="PinnedMessageExtensions"/>), and never
/// separates a function call from its results. A policy is immutable and may be shared by sessions.
/// </remarks>
public sealed class ChatContextPolicy
{
    private readonly Func<ChatContextPolicyContext, IChatReducer?> _factory;

    private ChatContextPolicy(string name, Func<ChatContextPolicyContext, IChatReducer?> factory)
    {
        Name = name;
        _factory = factory;
    }

    /// <summary>Gets a policy that sends the loaded history unchanged (the history window is <see cref="SessionsOptions.MaxHistoryMessages"/>).</summary>
    public static ChatContextPolicy None { get; } = new("none", static _ => null);

    /// <summary>Gets the policy's name, for diagnostics.</summary>
    public string Name { get; }

    /// <summary>Creates a policy that keeps as many recent messages as fit a token budget.</summary>
    /// <param name="maxInputTokens">The budget; <see langword="null"/> for the model's context window from the catalog minus its output tokens.</param>
    /// <param name="tokenCounter">Counts a message's tokens; <see langword="null"/> to estimate about four characters per token.</param>
    /// <returns>The policy; with no budget and no catalog entry for the model, the history is sent unchanged.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxInputTokens"/> is less than 1.</exception>
    public static ChatContextPolicy TokenBudget(int? maxInputTokens = null, Func<ChatMessage, int>? tokenCounter = null)
    {
        if (maxInputTokens is { } max)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(max, 1, nameof(maxInputTokens));
            var fixedReducer = new TokenBudgetChatReducer(max, tokenCounter);
            return new($"tokens-{max}", _ => fixedReducer);
        }

        return new("tokens-model", context =>
        {
            if (context.Model?.ContextWindow is not { } window)
            {
                return null;
            }

            int reserve = context.MaxOutputTokens ?? context.Model.MaxOutputTokens ?? 0;
            return new TokenBudgetChatReducer(Math.Max(1, window - reserve), tokenCounter);
        });
    }

    /// <summary>Creates a policy that has the model summarize older messages once the history grows past a count.</summary>
    /// <param name="triggerCount">The number of non-system messages above which older ones are summarized.</param>
    /// <param name="keepCount">How many recent messages stay verbatim.</param>
    /// <param name="instructions">The instructions given to the model for the summary; <see langword="null"/> for the default.</param>
    /// <returns>The policy.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="keepCount"/> is less than 1 or above <paramref name="triggerCount"/>.</exception>
    public static ChatContextPolicy Summarize(int triggerCount = 40, int keepCount = 20, string? instructions = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keepCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(triggerCount, keepCount);
        return new($"summarize-{triggerCount}-{keepCount}", context =>
            new SummarizingChatReducer(context.Client, triggerCount, keepCount, instructions, context.Logger));
    }

    /// <summary>Creates a policy from any <see cref="IChatReducer"/>.</summary>
    /// <param name="reducer">The reducer; it should keep system and pinned messages and tool rounds together.</param>
    /// <returns>The policy.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="reducer"/> is <see langword="null"/>.</exception>
    public static ChatContextPolicy FromReducer(IChatReducer reducer)
    {
        ArgumentNullException.ThrowIfNull(reducer);
        return new(reducer.GetType().Name, _ => reducer);
    }

    /// <inheritdoc/>
    public override string ToString() => Name;

    internal IChatReducer? CreateReducer(ChatContextPolicyContext context) => _factory(context);
}

/// <summary>What a policy may use to build its reducer for one provider and model.</summary>
/// <param name="Client">The client for summarization calls (below the tool loop).</param>
/// <param name="Model">The catalog entry of the model, if any.</param>
/// <param name="MaxOutputTokens">The configured output-token limit, if any.</param>
/// <param name="Logger">The logger.</param>
internal sealed record ChatContextPolicyContext(IChatClient Client, ChatModelInfo? Model, int? MaxOutputTokens, ILogger? Logger);

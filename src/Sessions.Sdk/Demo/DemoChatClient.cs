using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>
/// An offline stand-in for a model, for demos, samples and tests: it answers by echoing the last user message and
/// saying how many messages it was given (which shows that a session sends its stored history). Not a language model.
/// </summary>
/// <remarks>Deterministic and thread-safe; reports whitespace-separated words as token usage.</remarks>
internal sealed class DemoChatClient : IChatClient
{
    /// <summary>The model id the demo client reports.</summary>
    public const string ModelId = "demo-echo";

    /// <inheritdoc/>
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        cancellationToken.ThrowIfCancellationRequested();
        var history = messages.ToList();
        string reply = Answer(history);
        return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, reply))
        {
            ModelId = options?.ModelId ?? ModelId,
            Usage = Usage(history, reply),
        });
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var history = messages.ToList();
        string reply = Answer(history);
        string[] words = reply.Split(' ');
        for (int i = 0; i < words.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            yield return new ChatResponseUpdate(ChatRole.Assistant, i == 0 ? words[i] : " " + words[i])
            {
                ModelId = options?.ModelId ?? ModelId,
                MessageId = "demo-reply",
            };
        }

        yield return new ChatResponseUpdate { Contents = [new UsageContent(Usage(history, reply))] };
    }

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
    }

    private static string Answer(List<ChatMessage> history)
    {
        string last = history.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? string.Empty;
        int userTurns = history.Count(m => m.Role == ChatRole.User);
        bool hasSystemPrompt = history.Any(m => m.Role == ChatRole.System);
        return $"(demo model) You said \"{last}\". I was given {history.Count} messages ({userTurns} from you{(hasSystemPrompt ? ", plus the system prompt" : string.Empty)}).";
    }

    private static UsageDetails Usage(List<ChatMessage> history, string reply)
    {
        long input = history.Sum(m => (long)m.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
        long output = reply.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        return new UsageDetails { InputTokenCount = input, OutputTokenCount = output, TotalTokenCount = input + output };
    }
}

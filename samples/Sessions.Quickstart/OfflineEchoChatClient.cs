using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Sessions.Quickstart;

/// <summary>
/// A tiny local stand-in for a real model, so the quickstart runs with no server and no API key.
/// It answers by echoing the last user message and saying how much of the conversation it was given,
/// which shows that the session sends its stored history with every call.
/// </summary>
internal sealed class OfflineEchoChatClient : IChatClient
{
    public const string ModelName = "offline-echo";

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var history = messages.ToList();
        string reply = Answer(history);
        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, reply))
        {
            ModelId = options?.ModelId ?? ModelName,
            Usage = Usage(history, reply),
        };
        return Task.FromResult(response);
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var history = messages.ToList();
        string reply = Answer(history);
        string[] words = reply.Split(' ');
        for (int i = 0; i < words.Length; i++)
        {
            await Task.Delay(15, cancellationToken);
            string piece = i == 0 ? words[i] : " " + words[i];
            yield return new ChatResponseUpdate(ChatRole.Assistant, piece) { ModelId = options?.ModelId ?? ModelName, MessageId = "reply" };
        }

        yield return new ChatResponseUpdate { Contents = [new UsageContent(Usage(history, reply))] };
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceType == typeof(IChatClient) ? this : null;

    public void Dispose()
    {
    }

    private static string Answer(List<ChatMessage> history)
    {
        string last = history.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? string.Empty;
        int userTurns = history.Count(m => m.Role == ChatRole.User);
        bool hasSystemPrompt = history.Any(m => m.Role == ChatRole.System);
        return $"You said \"{last}\". I was given {history.Count} messages ({userTurns} from you{(hasSystemPrompt ? ", plus the system prompt" : string.Empty)}).";
    }

    private static UsageDetails Usage(List<ChatMessage> history, string reply)
    {
        long input = history.Sum(m => (long)m.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
        long output = reply.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        return new UsageDetails { InputTokenCount = input, OutputTokenCount = output, TotalTokenCount = input + output };
    }
}

using System.Text.Json;

namespace Sessions.Sdk.Tests;

/// <summary>Builds OpenAI chat-completions wire payloads (JSON bodies and SSE events) for the loopback server.</summary>
internal static class OpenAIWire
{
    public static string Completion(
        string content = "Hello!",
        string finishReason = "stop",
        string id = "chatcmpl-1",
        string model = "gpt-test",
        int promptTokens = 11,
        int completionTokens = 7,
        int cachedTokens = 3,
        object[]? toolCalls = null)
    {
        var message = new Dictionary<string, object?> { ["role"] = "assistant", ["content"] = toolCalls is null ? content : null };
        if (toolCalls is not null)
        {
            message["tool_calls"] = toolCalls;
        }

        return JsonSerializer.Serialize(new
        {
            id,
            @object = "chat.completion",
            created = 1_700_000_000,
            model,
            choices = new[] { new { index = 0, message, finish_reason = finishReason } },
            usage = new
            {
                prompt_tokens = promptTokens,
                completion_tokens = completionTokens,
                total_tokens = promptTokens + completionTokens,
                prompt_tokens_details = new { cached_tokens = cachedTokens },
            },
        });
    }

    public static object ToolCall(string id, string name, string arguments) =>
        new { id, type = "function", function = new { name, arguments } };

    public static string Chunk(object delta, string? finishReason = null, string id = "chatcmpl-s1", string model = "gpt-test") =>
        Event(new
        {
            id,
            @object = "chat.completion.chunk",
            created = 1_700_000_000,
            model,
            choices = new[] { new { index = 0, delta, finish_reason = finishReason } },
        });

    public static string UsageChunk(int promptTokens, int completionTokens, string id = "chatcmpl-s1", string model = "gpt-test") =>
        Event(new
        {
            id,
            @object = "chat.completion.chunk",
            created = 1_700_000_000,
            model,
            choices = Array.Empty<object>(),
            usage = new { prompt_tokens = promptTokens, completion_tokens = completionTokens, total_tokens = promptTokens + completionTokens },
        });

    public static string Done => "data: [DONE]\n\n";

    public static string Event(object payload) => $"data: {JsonSerializer.Serialize(payload)}\n\n";

    /// <summary>A complete streamed answer: role, the text pieces, finish reason, usage, [DONE].</summary>
    public static List<string> TextStream(params string[] pieces)
    {
        var events = new List<string> { Chunk(new { role = "assistant", content = "" }) };
        events.AddRange(pieces.Select(p => Chunk(new { content = p })));
        events.Add(Chunk(new { }, "stop"));
        events.Add(UsageChunk(5, pieces.Length));
        events.Add(Done);
        return events;
    }
}

using System.Text.Json;

namespace Sessions.Sdk.Tests;

/// <summary>Builds Anthropic Messages API wire payloads (JSON bodies and SSE events) for the loopback server.</summary>
internal static class AnthropicWire
{
    public static string Message(
        object[] content,
        string stopReason = "end_turn",
        string id = "msg_01",
        string model = "claude-test",
        int inputTokens = 10,
        int outputTokens = 5) =>
        JsonSerializer.Serialize(new
        {
            id,
            type = "message",
            role = "assistant",
            model,
            content,
            stop_reason = stopReason,
            stop_sequence = (string?)null,
            usage = new { input_tokens = inputTokens, output_tokens = outputTokens },
        });

    public static object Text(string text) => new { type = "text", text };

    public static object ToolUse(string id, string name, object input) => new { type = "tool_use", id, name, input };

    public static string Error(string type, string message) =>
        JsonSerializer.Serialize(new { type = "error", error = new { type, message } });

    public static string Event(string name, object payload) => $"event: {name}\ndata: {JsonSerializer.Serialize(payload)}\n\n";

    public static string MessageStart(string id = "msg_s1", string model = "claude-test", int inputTokens = 12) =>
        Event("message_start", new
        {
            type = "message_start",
            message = new
            {
                id,
                type = "message",
                role = "assistant",
                model,
                content = Array.Empty<object>(),
                stop_reason = (string?)null,
                stop_sequence = (string?)null,
                usage = new { input_tokens = inputTokens, output_tokens = 1 },
            },
        });

    public static string TextBlockStart(int index) =>
        Event("content_block_start", new { type = "content_block_start", index, content_block = new { type = "text", text = "" } });

    public static string ToolBlockStart(int index, string id, string name) =>
        Event("content_block_start", new { type = "content_block_start", index, content_block = new { type = "tool_use", id, name, input = new { } } });

    public static string TextDelta(int index, string text) =>
        Event("content_block_delta", new { type = "content_block_delta", index, delta = new { type = "text_delta", text } });

    public static string JsonDelta(int index, string partialJson) =>
        Event("content_block_delta", new { type = "content_block_delta", index, delta = new { type = "input_json_delta", partial_json = partialJson } });

    public static string BlockStop(int index) => Event("content_block_stop", new { type = "content_block_stop", index });

    public static string MessageDelta(string stopReason, int outputTokens) =>
        Event("message_delta", new
        {
            type = "message_delta",
            delta = new { stop_reason = stopReason, stop_sequence = (string?)null },
            usage = new { output_tokens = outputTokens },
        });

    public static string MessageStop => Event("message_stop", new { type = "message_stop" });

    public static string Ping => Event("ping", new { type = "ping" });

    /// <summary>A complete streamed text answer.</summary>
    public static List<string> TextStream(params string[] pieces)
    {
        var events = new List<string> { MessageStart(), TextBlockStart(0), Ping };
        events.AddRange(pieces.Select(p => TextDelta(0, p)));
        events.Add(BlockStop(0));
        events.Add(MessageDelta("end_turn", 15));
        events.Add(MessageStop);
        return events;
    }
}

namespace Sessions.Sdk.Tests;

/// <summary>The seed tools' documented session formats, as their docs show them.</summary>
internal static class ImportSamples
{
    public const string Paracle = """
        {
          "id": "chat-2024-01-08-abc123",
          "type": "chat",
          "provider": "anthropic",
          "model": "claude-sonnet-4-20250514",
          "created_at": "2024-01-08T10:30:00Z",
          "updated_at": "2024-01-08T11:45:00Z",
          "messages": [
            {"role": "user", "content": "Hello!"},
            {"role": "assistant", "content": "Hi! How can I help?"}
          ],
          "metadata": {
            "total_tokens": 1234,
            "total_cost": 0.05
          }
        }
        """;

    public const string ChannelCoderStorage = """
        {
          "id": "session_abc123",
          "messages": [
            {"role": "user", "content": "Create a React component"},
            {"role": "assistant", "content": "I'll help you create a React component..."}
          ],
          "metadata": {
            "created": "2024-01-15T10:00:00Z",
            "lastActive": "2024-01-15T11:30:00Z",
            "messageCount": 2
          }
        }
        """;

    public const string ChannelCoderState = """
        {
          "sessionChain": ["s1", "s2"],
          "currentSessionId": "s2",
          "messages": [
            {"role": "user", "content": "What is TypeScript?", "timestamp": "2024-01-15T10:00:00Z", "sessionId": "s1"},
            {"role": "assistant", "content": "A typed superset of JavaScript.", "timestamp": "2024-01-15T10:00:05Z", "sessionId": "s2"}
          ],
          "metadata": {"name": "learning-typescript", "created": "2024-01-15T10:00:00Z", "lastActive": "2024-01-15T10:00:05Z"}
        }
        """;

    public const string AINative = """
        {
          "id": "abc123def456",
          "title": "REST API Development",
          "created_at": "2024-01-15T10:30:00Z",
          "updated_at": "2024-01-15T14:22:00Z",
          "provider": "anthropic",
          "model": "claude-3-5-sonnet-20241022",
          "metadata": {
            "tags": ["go", "rest-api"],
            "project": "backend-service"
          },
          "messages": [
            {
              "role": "user",
              "content": "How do I create a REST API in Go?",
              "timestamp": "2024-01-15T10:30:05Z"
            },
            {
              "role": "assistant",
              "content": "I'll help you create a REST API in Go...",
              "timestamp": "2024-01-15T10:30:15Z"
            }
          ]
        }
        """;

    public const string AINativeAll = "[" + AINative + ",{\"id\":\"def789ghi012\",\"title\":\"OAuth Implementation\",\"created_at\":\"2024-01-14T15:45:00Z\",\"updated_at\":\"2024-01-14T16:00:00Z\",\"messages\":[{\"role\":\"user\",\"content\":\"OAuth?\",\"timestamp\":\"2024-01-14T15:45:00Z\"}]}]";

    public const string AINativeAllObject = "{\"sessions\":" + AINativeAll + "}";

    public const string Coda = """
        {
          "name": "coding-help",
          "messages": [
            {"role": "user", "content": "What is Python?", "timestamp": "2024-02-01T09:00:00"},
            {"role": "assistant", "content": "A programming language.", "model": "gpt-4"}
          ],
          "metadata": {"topic": "Python programming", "model": "gpt-4", "tags": ["tutorial", "basics"]},
          "created_at": "2024-02-01T09:00:00",
          "updated_at": "2024-02-01T09:05:00"
        }
        """;

    public const string OpenAIList = """
        [
          {"role": "system", "content": "You are terse."},
          {"role": "user", "content": [{"type": "text", "text": "Weather in Paris?"}]},
          {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]},
          {"role": "tool", "tool_call_id": "call_1", "content": "18C and sunny"},
          {"role": "assistant", "content": "18C and sunny."}
        ]
        """;
}

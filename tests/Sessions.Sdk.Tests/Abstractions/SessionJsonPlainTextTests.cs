using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk.Tests;

/// <summary>SessionJson's plain-text fast path writes exactly what M.E.AI's serializer writes for the same message.</summary>
[TestFixture]
public sealed class SessionJsonPlainTextTests
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 4, 5, 6, 7, 123, TimeSpan.FromHours(2));

    public static IEnumerable<SessionMessage> PlainMessages()
    {
        yield return new SessionMessage { Sequence = 1, Timestamp = T0, Message = new ChatMessage(ChatRole.User, "hello") };
        yield return new SessionMessage { Sequence = 2, Timestamp = T0, Message = new ChatMessage(ChatRole.Assistant, "quotes \" back\\slash <tag> & ünïcödé 😀 \n\t\u0001") };
        yield return new SessionMessage
        {
            Sequence = 3,
            Timestamp = T0,
            Message = new ChatMessage(new ChatRole("custom-role"), [new TextContent("a"), new TextContent(string.Empty), new TextContent("c")]),
            ProviderName = "openai",
            ModelId = "gpt-test",
            Usage = new SessionUsage { InputTokens = 10, OutputTokens = 5, TotalTokens = 15, Cost = 0.0012m, Requests = 1 },
            Latency = TimeSpan.FromMilliseconds(123.456),
            Pinned = true,
        };
    }

    public static IEnumerable<SessionMessage> OtherMessages()
    {
        yield return new SessionMessage { Timestamp = T0, Message = new ChatMessage(ChatRole.User, "x") { AuthorName = "bob" } };
        yield return new SessionMessage { Timestamp = T0, Message = new ChatMessage(ChatRole.User, "x") { MessageId = "m1" } };
        yield return new SessionMessage { Timestamp = T0, Message = new ChatMessage(ChatRole.User, "x") { CreatedAt = T0 } };
        yield return new SessionMessage { Timestamp = T0, Message = new ChatMessage(ChatRole.User, "x") { AdditionalProperties = new() { ["k"] = "v" } } };
        yield return new SessionMessage { Timestamp = T0, Message = new ChatMessage(ChatRole.User, [new TextContent("x") { AdditionalProperties = new() { ["k"] = "v" } }]) };
        yield return new SessionMessage { Timestamp = T0, Message = new ChatMessage(ChatRole.User, [new TextContent("x") { Annotations = [new CitationAnnotation { Title = "t" }] }]) };
        yield return new SessionMessage { Timestamp = T0, Message = new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c1", "f", new Dictionary<string, object?> { ["a"] = 1 })]) };
        yield return new SessionMessage { Timestamp = T0, Message = new ChatMessage(ChatRole.User, [new TextReasoningContent("why")]) };
        yield return new SessionMessage { Timestamp = T0, Message = new ChatMessage(ChatRole.User, Array.Empty<AIContent>()) };
    }

    [TestCaseSource(nameof(PlainMessages))]
    public void WriteMessage_PlainText_MatchesSerializerByteForByte(SessionMessage message)
    {
        Assert.That(SessionJson.IsPlainText(message.Message), Is.True);
        Assert.That(WrittenMsg(message), Is.EqualTo(SerializerMsg(message.Message)));
        Assert.That(SessionJson.DeserializeMessage(SessionJson.SerializeMessage(message)), Is.EqualTo(message).Using<SessionMessage>(SameJson));
    }

    [TestCaseSource(nameof(OtherMessages))]
    public void WriteMessage_NotPlainText_UsesSerializer(SessionMessage message)
    {
        Assert.That(SessionJson.IsPlainText(message.Message), Is.False);
        Assert.That(WrittenMsg(message), Is.EqualTo(SerializerMsg(message.Message)));
    }

    [Test]
    public void IsPlainText_ChatMessageAndTextContentShape_IsTheOneTheFastPathChecks()
    {
        // A new serialized property in a future M.E.AI would be dropped by the fast path: fail here first.
        Assert.That(SerializedProperties(typeof(ChatMessage)), Is.EquivalentTo(new[] { "AdditionalProperties", "AuthorName", "Contents", "CreatedAt", "MessageId", "Role" }));
        Assert.That(SerializedProperties(typeof(TextContent)), Is.EquivalentTo(new[] { "AdditionalProperties", "Annotations", "Text" }));
    }

    private static string[] SerializedProperties(Type type) =>
        type.GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance)
            .Where(p => p.GetCustomAttributes(typeof(System.Text.Json.Serialization.JsonIgnoreAttribute), true).Length == 0)
            .Select(p => p.Name)
            .ToArray();

    // The "msg" member exactly as SessionJson wrote it.
    private static string WrittenMsg(SessionMessage message)
    {
        using var document = JsonDocument.Parse(SessionJson.SerializeMessage(message));
        return document.RootElement.GetProperty("msg").GetRawText();
    }

    // The same ChatMessage written by M.E.AI's serializer into a writer with the same (default) escaping.
    private static string SerializerMsg(ChatMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            JsonSerializer.Serialize(writer, message, AIJsonUtilities.DefaultOptions);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static bool SameJson(SessionMessage a, SessionMessage b) =>
        SessionJson.SerializeMessageToString(a) == SessionJson.SerializeMessageToString(b);
}

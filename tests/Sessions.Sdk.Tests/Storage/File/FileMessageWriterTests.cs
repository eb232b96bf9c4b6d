using System.Buffers;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk.Tests;

/// <summary>The journal writer's plain-text fast path writes exactly what the shared serializer writes.</summary>
[TestFixture]
public sealed class FileMessageWriterTests
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
    public void Write_PlainText_MatchesSharedSerializerByteForByte(SessionMessage message)
    {
        Assert.That(FileMessageWriter.IsPlainText(message.Message), Is.True);
        Assert.That(Written(message), Is.EqualTo(Shared(message)));
    }

    [TestCaseSource(nameof(OtherMessages))]
    public void Write_NotPlainText_UsesSharedSerializer(SessionMessage message)
    {
        Assert.That(FileMessageWriter.IsPlainText(message.Message), Is.False);
        Assert.That(Written(message), Is.EqualTo(Shared(message)));
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

    private static byte[] Written(SessionMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>();
        FileMessageWriter.Write(buffer, message);
        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] Shared(SessionMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>();
        SessionJson.SerializeMessage(message, buffer);
        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }
}

using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk.Tests;

public sealed class SessionJsonTests
{
    private static readonly DateTimeOffset Time = new(2026, 11, 22, 10, 30, 0, TimeSpan.Zero);

    [Test]
    public void SerializeMessage_AllContentTypes_RoundTrip()
    {
        var call = new FunctionCallContent("call-1", "get_weather", new Dictionary<string, object?> { ["city"] = "Oslo", ["days"] = 3 });
        var chat = new ChatMessage(ChatRole.Assistant,
        [
            new TextContent("Looking it up."),
            call,
            new DataContent(new byte[] { 1, 2, 3, 255 }, "image/png"),
            new UriContent(new Uri("https://example.invalid/a.png"), "image/png"),
            new UsageContent(new UsageDetails { InputTokenCount = 10, OutputTokenCount = 5, TotalTokenCount = 15 }),
            new ErrorContent("boom") { ErrorCode = "E1" },
        ])
        { AuthorName = "bot", MessageId = "m-1" };
        chat.AdditionalProperties = new AdditionalPropertiesDictionary { ["pinnedBy"] = "tester" };
        var message = new SessionMessage
        {
            Sequence = 7,
            Message = chat,
            Timestamp = Time,
            ProviderName = "openai",
            ModelId = "gpt-test",
            Usage = new SessionUsage { InputTokens = 10, OutputTokens = 5, TotalTokens = 15, Cost = 0.000123m, Requests = 1 },
            Latency = TimeSpan.FromMilliseconds(12.5),
            Pinned = true,
        };

        var back = SessionJson.DeserializeMessage(SessionJson.SerializeMessage(message), "s1");

        Assert.Multiple(() =>
        {
            Assert.That(back.Sequence, Is.EqualTo(7));
            Assert.That(back.Timestamp, Is.EqualTo(Time));
            Assert.That(back.ProviderName, Is.EqualTo("openai"));
            Assert.That(back.ModelId, Is.EqualTo("gpt-test"));
            Assert.That(back.Usage, Is.EqualTo(message.Usage));
            Assert.That(back.Latency, Is.EqualTo(TimeSpan.FromMilliseconds(12.5)));
            Assert.That(back.Pinned, Is.True);
            Assert.That(back.Role, Is.EqualTo(ChatRole.Assistant));
            Assert.That(back.Message.AuthorName, Is.EqualTo("bot"));
            Assert.That(back.Message.MessageId, Is.EqualTo("m-1"));
            Assert.That(back.Message.Contents, Has.Count.EqualTo(6));
            Assert.That(back.Message.Contents[0], Is.TypeOf<TextContent>().With.Property("Text").EqualTo("Looking it up."));
            var backCall = (FunctionCallContent)back.Message.Contents[1];
            Assert.That(backCall.CallId, Is.EqualTo("call-1"));
            Assert.That(backCall.Name, Is.EqualTo("get_weather"));
            Assert.That(backCall.Arguments!["city"]?.ToString(), Is.EqualTo("Oslo"));
            var data = (DataContent)back.Message.Contents[2];
            Assert.That(data.Data.ToArray(), Is.EqualTo(new byte[] { 1, 2, 3, 255 }));
            Assert.That(data.MediaType, Is.EqualTo("image/png"));
            Assert.That(((UriContent)back.Message.Contents[3]).Uri, Is.EqualTo(new Uri("https://example.invalid/a.png")));
            Assert.That(((UsageContent)back.Message.Contents[4]).Details.TotalTokenCount, Is.EqualTo(15));
            Assert.That(((ErrorContent)back.Message.Contents[5]).ErrorCode, Is.EqualTo("E1"));
            Assert.That(back.Message.AdditionalProperties!["pinnedBy"]?.ToString(), Is.EqualTo("tester"));
        });
    }

    [Test]
    public void SerializeMessage_FunctionResult_RoundTrips()
    {
        var message = new SessionMessage
        {
            Message = new ChatMessage(ChatRole.Tool, [new FunctionResultContent("call-1", "sunny, 4°C")]),
            Timestamp = Time,
        };

        var back = SessionJson.DeserializeMessage(SessionJson.SerializeMessageToString(message));

        var result = (FunctionResultContent)back.Message.Contents.Single();
        Assert.That(result.CallId, Is.EqualTo("call-1"));
        Assert.That(result.Result?.ToString(), Does.Contain("sunny"));
    }

    [Test]
    public void SerializeMessage_WritesVersionAndNoNewlines()
    {
        var json = SessionJson.SerializeMessageToString(new SessionMessage { Message = new ChatMessage(ChatRole.User, "line1\nline2"), Timestamp = Time });

        using var doc = JsonDocument.Parse(json);
        Assert.That(doc.RootElement.GetProperty("v").GetInt32(), Is.EqualTo(SessionJson.CurrentSchemaVersion));
        Assert.That(json, Does.Not.Contain("\n"));
    }

    [TestCase("user", "hello")]
    [TestCase("assistant", "multi\nline \"quoted\" \u00e9 \ud83d\ude00")]
    [TestCase("custom-role", "")]
    public void DeserializeMessage_PlainText_MatchesSerializerResult(string role, string text)
    {
        var original = new ChatMessage(new ChatRole(role), [new TextContent(text), new TextContent("second")]);
        var bytes = SessionJson.SerializeMessage(new SessionMessage { Message = original, Timestamp = Time, Sequence = 4 });

        var back = SessionJson.DeserializeMessage(bytes);
        var viaSerializer = JsonSerializer.Deserialize<ChatMessage>(JsonSerializer.Serialize(original, AIJsonUtilities.DefaultOptions), AIJsonUtilities.DefaultOptions)!;

        Assert.That(JsonSerializer.Serialize(back.Message, AIJsonUtilities.DefaultOptions), Is.EqualTo(JsonSerializer.Serialize(viaSerializer, AIJsonUtilities.DefaultOptions)));
        Assert.That(back.Message.Contents.Select(c => ((TextContent)c).Text), Is.EqualTo(new[] { text, "second" }));
        Assert.That(back.Role.Value, Is.EqualTo(role));
    }

    [Test]
    public void DeserializeMessage_TextWithExtraProperties_FallsBackToSerializer()
    {
        var original = new ChatMessage(ChatRole.User, "hi") { AuthorName = "ann", MessageId = "m1" };

        var back = SessionJson.DeserializeMessage(SessionJson.SerializeMessage(new SessionMessage { Message = original, Timestamp = Time }));

        Assert.That(back.Message.AuthorName, Is.EqualTo("ann"));
        Assert.That(back.Message.MessageId, Is.EqualTo("m1"));
        Assert.That(back.Text, Is.EqualTo("hi"));
    }

    [TestCase("")]
    [TestCase("{")]
    [TestCase("[]")]
    [TestCase("{\"v\":1}")]
    [TestCase("{\"v\":1,\"seq\":1,\"ts\":\"2026-01-01T00:00:00Z\",\"msg\":{\"role\":\"user\",\"contents\":[{\"$type\":\"text\",\"text\":\"a\"}]}")]
    [TestCase("{\"v\":1,\"seq\":\"x\"}")]
    [TestCase("{\"v\":1,\"seq\":1,\"ts\":\"2026-01-01T00:00:00Z\",\"msg\":{\"role\":\"user\"}} trailing")]
    public void DeserializeMessage_Malformed_ThrowsSessionFormatExceptionNamingSession(string json)
    {
        var ex = Assert.Throws<SessionFormatException>(() => SessionJson.DeserializeMessage(Encoding.UTF8.GetBytes(json), "s-42"));
        Assert.That(ex!.SessionId, Is.EqualTo("s-42"));
        Assert.That(ex.Message, Does.Contain("s-42"));
    }

    [Test]
    public void DeserializeMessage_NewerVersion_ThrowsSessionFormatException()
    {
        const string json = "{\"v\":99,\"seq\":1,\"ts\":\"2026-01-01T00:00:00Z\",\"msg\":{\"role\":\"user\",\"contents\":[]}}";

        var ex = Assert.Throws<SessionFormatException>(() => SessionJson.DeserializeMessage(json));
        Assert.That(ex!.Message, Does.Contain("99"));
    }

    [Test]
    public void DeserializeMessage_UnknownProperties_AreIgnored()
    {
        const string json = "{\"v\":1,\"future\":{\"x\":[1,2]},\"seq\":3,\"ts\":\"2026-01-01T00:00:00Z\",\"msg\":{\"role\":\"user\",\"contents\":[{\"$type\":\"text\",\"text\":\"hi\"}]}}";

        var back = SessionJson.DeserializeMessage(json);

        Assert.That(back.Sequence, Is.EqualTo(3));
        Assert.That(back.Text, Is.EqualTo("hi"));
    }

    [Test]
    public void DefaultOptions_SerializesSessionInfoWithKindAsString()
    {
        var info = new SessionInfo { Id = "a1", Kind = SessionKind.Plan, CreatedAt = Time, UpdatedAt = Time, Tags = ["x"] };

        var json = JsonSerializer.Serialize(info, SessionJson.DefaultOptions);
        var back = JsonSerializer.Deserialize<SessionInfo>(json, SessionJson.DefaultOptions)!;

        Assert.That(json, Does.Contain("\"kind\":\"plan\""));
        Assert.That(back.Kind, Is.EqualTo(SessionKind.Plan));
        Assert.That(back.Tags, Is.EqualTo(new[] { "x" }));
    }

    [Test]
    public void DeserializeMessage_MutatedRecords_OnlyThrowSessionFormatException()
    {
        var seed = SessionJson.SerializeMessage(new SessionMessage { Message = new ChatMessage(ChatRole.User, "hello"), Timestamp = Time, Usage = new SessionUsage { InputTokens = 1 } });
        var random = new Random(1234);
        int parsed = 0, rejected = 0;
        for (int i = 0; i < 2000; i++)
        {
            var bytes = (byte[])seed.Clone();
            int flips = random.Next(1, 4);
            for (int f = 0; f < flips; f++) bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            var input = random.Next(2) == 0 ? bytes.AsSpan(0, random.Next(bytes.Length)).ToArray() : bytes;
            try
            {
                SessionJson.DeserializeMessage(input, "fuzz");
                parsed++;
            }
            catch (SessionFormatException ex) when (ex.SessionId == "fuzz")
            {
                rejected++;
            }
        }

        Assert.That(parsed + rejected, Is.EqualTo(2000));
        Assert.That(rejected, Is.GreaterThan(0));
    }

#pragma warning disable NUnit1027 // FsCheck supplies the arguments
    [FsCheck.NUnit.Property(MaxTest = 1000)]
    public bool DeserializeMessage_ArbitraryText_ParsesOrThrowsSessionFormatException(string text)
    {
        try
        {
            SessionJson.DeserializeMessage(Encoding.UTF8.GetBytes(text ?? string.Empty), "prop");
            return true;
        }
        catch (SessionFormatException)
        {
            return true;
        }
    }
#pragma warning restore NUnit1027
}

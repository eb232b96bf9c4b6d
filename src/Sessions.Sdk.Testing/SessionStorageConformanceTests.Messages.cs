using System.Text.Json;
using Microsoft.Extensions.AI;
using NUnit.Framework;

namespace Sessions.Sdk.Testing;

public abstract partial class SessionStorageConformanceTests
{
    private static readonly byte[] SampleBytes = [0, 1, 2, 3, 254, 255, 0x89, 0x50, 0x4E, 0x47];

    /// <summary>Gets ranges over a 10-message session with the sequences each must return.</summary>
    /// <returns>The cases.</returns>
    public static IEnumerable<TestCaseData> RangeCases()
    {
        yield return Case("All", MessageRange.All, Range(1, 10));
        yield return Case("First3", MessageRange.First(3), [1, 2, 3]);
        yield return Case("First0", MessageRange.First(0), []);
        yield return Case("First20", MessageRange.First(20), Range(1, 10));
        yield return Case("Last3", MessageRange.Last(3), [8, 9, 10]);
        yield return Case("Last1", MessageRange.Last(1), [10]);
        yield return Case("Last20", MessageRange.Last(20), Range(1, 10));
        yield return Case("Last0", MessageRange.Last(0), []);
        yield return Case("Slice2x3", MessageRange.Slice(2, 3), [3, 4, 5]);
        yield return Case("Slice8x5", MessageRange.Slice(8, 5), [9, 10]);
        yield return Case("Slice10x1", MessageRange.Slice(10, 1), []);
        yield return Case("Slice20x5", MessageRange.Slice(20, 5), []);
        yield return Case("Skip3All", new MessageRange(3, null), Range(4, 7));
        yield return Case("FromEndSkip2Take3", new MessageRange(2, 3, fromEnd: true), [6, 7, 8]);
        yield return Case("FromEndSkip9All", new MessageRange(9, null, fromEnd: true), [1]);
        yield return Case("FromEndSkip8Take5", new MessageRange(8, 5, fromEnd: true), [1, 2]);
        yield return Case("FromEndSkip10", new MessageRange(10, null, fromEnd: true), []);
        yield return Case("FromEndSkip12Take3", new MessageRange(12, 3, fromEnd: true), []);

        static TestCaseData Case(string name, MessageRange range, long[] expected) =>
            new TestCaseData(range, expected).SetArgDisplayNames(name);
    }

    /// <summary>Checks that every kind of range returns exactly the selected messages in sequence order.</summary>
    /// <param name="range">The range.</param>
    /// <param name="expected">The sequences it must return.</param>
    /// <returns>A task that completes when the test is done.</returns>
    [TestCaseSource(nameof(RangeCases))]
    public async Task GetMessagesAsync_Range_ReturnsSelectedMessagesInOrder(MessageRange range, long[] expected)
    {
        var created = await CreateWithMessagesAsync(10).ConfigureAwait(false);

        var messages = await Storage.GetMessagesAsync(created.Id, range).ConfigureAwait(false);

        AssertSequences(messages, expected);
        Assert.That(messages.Select(m => m.Text), Is.EqualTo(expected.Select(s => $"m{s}")));
        var (start, length) = range.Resolve(10);
        Assert.That(messages, Has.Count.EqualTo(length));
        if (length > 0) Assert.That(messages[0].Sequence, Is.EqualTo(start + 1));
    }

    /// <summary>Checks that an empty session returns no messages for any range.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task GetMessagesAsync_EmptySession_ReturnsEmptyForEveryRange()
    {
        var created = await Storage.CreateAsync(NewSession(), []).ConfigureAwait(false);

        foreach (var range in new[] { MessageRange.All, MessageRange.First(5), MessageRange.Last(5), MessageRange.Slice(3, 2), new MessageRange(1, null, fromEnd: true) })
        {
            Assert.That(await Storage.GetMessagesAsync(created.Id, range).ConfigureAwait(false), Is.Empty, range.ToString());
        }
    }

    /// <summary>Checks that reading an unknown session throws <see cref="SessionNotFoundException"/>.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task GetMessagesAsync_MissingSession_ThrowsSessionNotFound()
    {
        string id = NewId("missing");

        var ex = await Assert.ThrowsAsync<SessionNotFoundException>(() => Storage.GetMessagesAsync(id, MessageRange.Last(5)).AsTask()).ConfigureAwait(false);

        Assert.That(ex!.SessionId, Is.EqualTo(id));
    }

    /// <summary>Checks that a returned list is a snapshot that later appends do not change.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task GetMessagesAsync_LaterAppends_DoNotChangeReturnedList()
    {
        var created = await CreateWithMessagesAsync(3).ConfigureAwait(false);
        var before = await ReadAllAsync(created.Id).ConfigureAwait(false);

        await Storage.AppendMessagesAsync(created.Id, TextMessages(2, "a")).ConfigureAwait(false);

        Assert.That(before, Has.Count.EqualTo(3));
        AssertSequences(before, 1, 2, 3);
    }

    /// <summary>Checks that reading the last messages of a long session returns only those.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task GetMessagesAsync_LastOfLongSession_ReturnsTail()
    {
        var created = await Storage.CreateAsync(NewSession(), TextMessages(300)).ConfigureAwait(false);
        for (int i = 0; i < 4; i++)
        {
            await Storage.AppendMessagesAsync(created.Id, TextMessages(50, $"b{i}-")).ConfigureAwait(false);
        }

        var tail = await Storage.GetMessagesAsync(created.Id, MessageRange.Last(20)).ConfigureAwait(false);
        var middle = await Storage.GetMessagesAsync(created.Id, MessageRange.Slice(299, 3)).ConfigureAwait(false);

        AssertSequences(tail, Range(481, 20));
        Assert.That(tail[^1].Text, Is.EqualTo("b3-50"));
        Assert.That(middle.Select(m => m.Text), Is.EqualTo(new[] { "m300", "b0-1", "b0-2" }));
        Assert.That((await Storage.GetAsync(created.Id).ConfigureAwait(false))!.MessageCount, Is.EqualTo(500));
    }

    /// <summary>Checks that every M.E.AI content type and message property round-trips, through create and through append.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task Messages_AllContentTypes_RoundTripWithFullFidelity()
    {
        var rich = RichMessages();
        var created = await Storage.CreateAsync(NewSession(), rich.Take(2).ToArray()).ConfigureAwait(false);
        await Storage.AppendMessagesAsync(created.Id, rich.Skip(2).ToArray()).ConfigureAwait(false);

        var stored = await ReadAllAsync(created.Id).ConfigureAwait(false);

        Assert.That(stored, Has.Count.EqualTo(rich.Length));
        for (int i = 0; i < rich.Length; i++)
        {
            Assert.That(ChatMessageJson(stored[i].Message), Is.EqualTo(ChatMessageJson(rich[i].Message)), $"message {i + 1}");
        }

        AssertRichContents(stored);
    }

    /// <summary>Checks that structured state events (<see cref="SessionStateContent"/>) round-trip with their type, name and payload.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task Messages_StateEvents_RoundTrip()
    {
        using var payload = JsonDocument.Parse("""{"step":"s-1","status":"completed","output":"line1\nline2","attempts":2,"deps":["a","b"]}""");
        var state = new SessionMessage
        {
            Message = SessionStateContent.CreateMessage(new SessionStateContent("plan", "step.completed", payload.RootElement)),
            Timestamp = new DateTimeOffset(2025, 7, 8, 9, 10, 11, TimeSpan.Zero),
        };
        var created = await Storage.CreateAsync(NewSession(), [state]).ConfigureAwait(false);
        await Storage.AppendMessagesAsync(created.Id, [TextMessage(ChatRole.User, "after"), state]).ConfigureAwait(false);

        var stored = await ReadAllAsync(created.Id).ConfigureAwait(false);

        Assert.That(stored, Has.Count.EqualTo(3));
        foreach (var message in new[] { stored[0], stored[2] })
        {
            Assert.That(SessionStateContent.IsStateMessage(message.Message), Is.True, "a state message stays a state message");
            Assert.That(message.Message.Role, Is.EqualTo(SessionStateContent.Role));
            var content = (SessionStateContent)message.Message.Contents.Single();
            using (Assert.EnterMultipleScope())
            {
                Assert.That(content.StateType, Is.EqualTo("plan"));
                Assert.That(content.EventName, Is.EqualTo("step.completed"));
                Assert.That(content.Data.GetRawText(), Is.EqualTo(payload.RootElement.GetRawText()));
            }
        }
    }

    /// <summary>Checks that what a session adds to a message (provider, model, usage with decimal cost, latency, pin, time) round-trips.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task Messages_SessionFields_RoundTrip()
    {
        var usage = new SessionUsage { InputTokens = 1234, OutputTokens = 567, TotalTokens = 1801, Cost = 0.012345678m, Requests = 1 };
        var withFields = new SessionMessage
        {
            Message = new ChatMessage(ChatRole.Assistant, "answer"),
            Timestamp = new DateTimeOffset(2025, 7, 8, 9, 10, 11, 123, TimeSpan.Zero),
            ProviderName = "openai",
            ModelId = "gpt-4o-mini",
            Usage = usage,
            Latency = TimeSpan.FromMilliseconds(1234),
            Pinned = true,
        };
        var plain = TextMessage(ChatRole.User, "plain", new DateTimeOffset(2025, 7, 8, 9, 10, 12, TimeSpan.FromHours(2)));
        var created = await Storage.CreateAsync(NewSession(), [withFields]).ConfigureAwait(false);
        await Storage.AppendMessagesAsync(created.Id, [withFields, plain]).ConfigureAwait(false);

        var stored = await ReadAllAsync(created.Id).ConfigureAwait(false);

        foreach (var message in stored.Take(2))
        {
            using (Assert.EnterMultipleScope())
            {
                Assert.That(message.Timestamp, Is.EqualTo(withFields.Timestamp));
                Assert.That(message.ProviderName, Is.EqualTo("openai"));
                Assert.That(message.ModelId, Is.EqualTo("gpt-4o-mini"));
                Assert.That(message.Usage, Is.EqualTo(usage));
                Assert.That(message.Usage!.Cost, Is.EqualTo(0.012345678m));
                Assert.That(message.Latency, Is.EqualTo(TimeSpan.FromMilliseconds(1234)));
                Assert.That(message.Pinned, Is.True);
            }
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(stored[2].Timestamp, Is.EqualTo(plain.Timestamp));
            Assert.That(stored[2].ProviderName, Is.Null);
            Assert.That(stored[2].ModelId, Is.Null);
            Assert.That(stored[2].Usage, Is.Null);
            Assert.That(stored[2].Latency, Is.Null);
            Assert.That(stored[2].Pinned, Is.False);
            Assert.That((await Storage.GetAsync(created.Id).ConfigureAwait(false))!.Usage, Is.EqualTo(usage.Add(usage)));
        }
    }

    /// <summary>Checks that unusual but valid text (unicode, control characters, quotes, large text) round-trips exactly.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task Messages_UnusualText_RoundTripsExactly()
    {
        string[] texts =
        [
            "emoji 😀👍🏽 and CJK 会話 and RTL שלום and combining é",
            "quotes \" ' ` backslash \\ slash / json {\"a\":[1,2]} sql '); DROP TABLE sessions;--",
            "control \u0001\u0002\u001f tab\t cr\r lf\n crlf\r\n end",
            "line separators \u2028 \u2029 and bom \ufeff and replacement \ufffd",
            string.Empty,
            "   leading and trailing spaces   ",
            new string('x', 100_000) + "END",
        ];
        var created = await Storage.CreateAsync(NewSession(), []).ConfigureAwait(false);
        await Storage.AppendMessagesAsync(created.Id, [.. texts.Select(t => TextMessage(ChatRole.User, t))]).ConfigureAwait(false);

        var stored = await ReadAllAsync(created.Id).ConfigureAwait(false);

        Assert.That(stored.Select(m => m.Text), Is.EqualTo(texts));
    }

    /// <summary>Checks that a NUL character inside message text is not lost or rejected.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task Messages_TextWithNulCharacter_RoundTrips()
    {
        const string text = "before\0after";
        var created = await Storage.CreateAsync(NewSession(), [TextMessage(ChatRole.User, text)]).ConfigureAwait(false);

        var stored = await ReadAllAsync(created.Id).ConfigureAwait(false);

        Assert.That(stored.Single().Text, Is.EqualTo(text));
    }

    /// <summary>Checks that a message with no contents at all round-trips.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task Messages_NoContents_RoundTrip()
    {
        var empty = new SessionMessage { Message = new ChatMessage { Role = ChatRole.Assistant }, Timestamp = BaseTime };
        var created = await Storage.CreateAsync(NewSession(), [empty]).ConfigureAwait(false);

        var stored = (await ReadAllAsync(created.Id).ConfigureAwait(false)).Single();

        Assert.That(stored.Role, Is.EqualTo(ChatRole.Assistant));
        Assert.That(stored.Message.Contents, Is.Empty);
    }

    private static SessionMessage[] RichMessages()
    {
        var user = new ChatMessage(ChatRole.User,
        [
            new TextContent("What is the weather in Paris? See the image."),
            new DataContent(SampleBytes, "image/png") { Name = "photo.png" },
            new UriContent(new Uri("https://example.com/docs/report.pdf"), "application/pdf"),
        ])
        {
            AuthorName = "ada",
            MessageId = "msg-user-1",
            AdditionalProperties = new AdditionalPropertiesDictionary { ["client"] = "cli", ["attempt"] = 2 },
        };

        var call = new ChatMessage(ChatRole.Assistant,
        [
            new TextContent("Let me check."),
            new FunctionCallContent("call-1", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris", ["days"] = 3, ["metric"] = true }),
            new UsageContent(new UsageDetails { InputTokenCount = 12, OutputTokenCount = 8, TotalTokenCount = 20 }),
        ])
        {
            MessageId = "msg-assistant-1",
        };

        var result = new ChatMessage(ChatRole.Tool,
        [
            new FunctionResultContent("call-1", new Dictionary<string, object?> { ["temperature"] = 21.5, ["sky"] = "clear" }),
        ]);

        var error = new ChatMessage(ChatRole.Assistant,
        [
            new ErrorContent("The provider refused the request.") { ErrorCode = "content_filter", Details = "category=violence" },
        ]);

        var system = new ChatMessage(ChatRole.System, "You are helpful.");
        var custom = new ChatMessage(new ChatRole("critic"), "A custom role.");

        return
        [
            new SessionMessage { Message = system, Timestamp = BaseTime },
            new SessionMessage { Message = user, Timestamp = BaseTime.AddSeconds(1) },
            new SessionMessage { Message = call, Timestamp = BaseTime.AddSeconds(2) },
            new SessionMessage { Message = result, Timestamp = BaseTime.AddSeconds(3) },
            new SessionMessage { Message = error, Timestamp = BaseTime.AddSeconds(4) },
            new SessionMessage { Message = custom, Timestamp = BaseTime.AddSeconds(5) },
        ];
    }

    private static void AssertRichContents(IReadOnlyList<SessionMessage> stored)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(stored[0].Role, Is.EqualTo(ChatRole.System));
            Assert.That(stored[0].Text, Is.EqualTo("You are helpful."));

            var user = stored[1].Message;
            Assert.That(user.Role, Is.EqualTo(ChatRole.User));
            Assert.That(user.AuthorName, Is.EqualTo("ada"));
            Assert.That(user.MessageId, Is.EqualTo("msg-user-1"));
            Assert.That(user.AdditionalProperties?["client"]?.ToString(), Is.EqualTo("cli"));
            Assert.That(user.AdditionalProperties?["attempt"]?.ToString(), Is.EqualTo("2"));
            Assert.That(user.Contents, Has.Count.EqualTo(3));
            Assert.That(user.Contents[0], Is.TypeOf<TextContent>().With.Property(nameof(TextContent.Text)).EqualTo("What is the weather in Paris? See the image."));
            var data = user.Contents[1] as DataContent;
            Assert.That(data, Is.Not.Null, "DataContent lost");
            Assert.That(data?.MediaType, Is.EqualTo("image/png"));
            Assert.That(data?.Data.ToArray(), Is.EqualTo(SampleBytes));
            Assert.That(data?.Name, Is.EqualTo("photo.png"));
            var uri = user.Contents[2] as UriContent;
            Assert.That(uri?.Uri, Is.EqualTo(new Uri("https://example.com/docs/report.pdf")));
            Assert.That(uri?.MediaType, Is.EqualTo("application/pdf"));

            var call = stored[2].Message;
            Assert.That(call.MessageId, Is.EqualTo("msg-assistant-1"));
            var fc = call.Contents.OfType<FunctionCallContent>().SingleOrDefault();
            Assert.That(fc, Is.Not.Null, "FunctionCallContent lost");
            Assert.That(fc?.CallId, Is.EqualTo("call-1"));
            Assert.That(fc?.Name, Is.EqualTo("get_weather"));
            Assert.That(fc?.Arguments?["city"]?.ToString(), Is.EqualTo("Paris"));
            Assert.That(fc?.Arguments?["days"]?.ToString(), Is.EqualTo("3"));
            var usage = call.Contents.OfType<UsageContent>().SingleOrDefault();
            Assert.That(usage?.Details.InputTokenCount, Is.EqualTo(12));
            Assert.That(usage?.Details.OutputTokenCount, Is.EqualTo(8));
            Assert.That(usage?.Details.TotalTokenCount, Is.EqualTo(20));

            var fr = stored[3].Message.Contents.OfType<FunctionResultContent>().SingleOrDefault();
            Assert.That(stored[3].Role, Is.EqualTo(ChatRole.Tool));
            Assert.That(fr?.CallId, Is.EqualTo("call-1"));
            Assert.That(fr?.Result is null ? null : JsonSerializer.Serialize(fr.Result, AIJsonUtilities.DefaultOptions), Does.Contain("21.5").And.Contain("clear"));

            var error = stored[4].Message.Contents.OfType<ErrorContent>().SingleOrDefault();
            Assert.That(error?.Message, Is.EqualTo("The provider refused the request."));
            Assert.That(error?.ErrorCode, Is.EqualTo("content_filter"));
            Assert.That(error?.Details, Is.EqualTo("category=violence"));

            Assert.That(stored[5].Role.Value, Is.EqualTo("critic"));
        }
    }
}

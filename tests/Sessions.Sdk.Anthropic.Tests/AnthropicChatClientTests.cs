using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Sessions.Sdk.Tests;

/// <summary>Drives the Anthropic provider through the official SDK and its AsIChatClient adapter against a loopback server.</summary>
public sealed class AnthropicChatClientTests
{
    private const string ApiKey = "sk-ant-test-3e4f5a6b7c8d";
    private LoopbackHttpServer _server = null!;
    private ServiceProvider? _services;

    [SetUp]
    public void SetUp() => _server = new LoopbackHttpServer();

    [TearDown]
    public async Task TearDown()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }

        await _server.DisposeAsync();
    }

    [Test]
    public async Task GetResponseAsync_PlainText_PostsToMessagesAndReturnsTextUsageAndStopReason()
    {
        _server.EnqueueJson(200, AnthropicWire.Message([AnthropicWire.Text("Hello from Claude")], id: "msg_42", inputTokens: 21, outputTokens: 6));
        var client = CreateClient();

        var response = await client.GetResponseAsync("hi");

        var request = _server.Requests.Single();
        Assert.Multiple(() =>
        {
            Assert.That(response.Text, Is.EqualTo("Hello from Claude"));
            Assert.That(response.FinishReason, Is.EqualTo(ChatFinishReason.Stop));
            Assert.That(response.ResponseId, Is.EqualTo("msg_42"));
            Assert.That(response.ModelId, Is.EqualTo("claude-test"));
            Assert.That(response.Usage!.InputTokenCount, Is.EqualTo(21));
            Assert.That(response.Usage.OutputTokenCount, Is.EqualTo(6));
            Assert.That(request.Method, Is.EqualTo("POST"));
            Assert.That(request.Path, Is.EqualTo("/v1/messages"));
            Assert.That(request.Header("Authorization"), Is.EqualTo($"Bearer {ApiKey}"), "Anthropic SDK 13.x sends the API key as a bearer token");
            Assert.That(request.Header("anthropic-version"), Is.Not.Null);
            Assert.That(request.Json.GetProperty("model").GetString(), Is.EqualTo("claude-test"));
            Assert.That(request.Json.GetProperty("max_tokens").GetInt32(), Is.EqualTo(1000));
            Assert.That(request.Json.GetProperty("messages")[0].GetProperty("role").GetString(), Is.EqualTo("user"));
        });
    }

    [Test]
    public async Task GetResponseAsync_SystemPromptMultiTurnAndOptions_SendsMappedRequest()
    {
        _server.EnqueueJson(200, AnthropicWire.Message([AnthropicWire.Text("Paris.")]));
        var client = CreateClient();

        await client.GetResponseAsync(
            [
                new ChatMessage(ChatRole.System, "You are terse."),
                new ChatMessage(ChatRole.User, "Where is the Louvre?"),
                new ChatMessage(ChatRole.Assistant, "In a city."),
                new ChatMessage(ChatRole.User, "Which one?"),
            ],
            new ChatOptions
            {
                Temperature = 0.3f,
                TopP = 0.9f,
                MaxOutputTokens = 77,
                StopSequences = ["END"],
                Tools = [AIFunctionFactory.Create((string city) => "sunny", "get_weather", "Gets the weather.")],
            });

        var body = _server.Requests.Single().Json;
        var messages = body.GetProperty("messages").EnumerateArray().ToArray();
        var tool = body.GetProperty("tools")[0];
        Assert.Multiple(() =>
        {
            Assert.That(body.GetProperty("system").ToString(), Does.Contain("You are terse."));
            Assert.That(messages.Select(m => m.GetProperty("role").GetString()), Is.EqualTo(new[] { "user", "assistant", "user" }));
            Assert.That(messages[2].GetProperty("content").ToString(), Does.Contain("Which one?"));

            // The Messages API of SDK 13.x has no sampling parameters; the SDK's adapter drops them.
            Assert.That(body.TryGetProperty("temperature", out _), Is.False);
            Assert.That(body.GetProperty("max_tokens").GetInt32(), Is.EqualTo(77));
            Assert.That(body.GetProperty("stop_sequences")[0].GetString(), Is.EqualTo("END"));
            Assert.That(tool.GetProperty("name").GetString(), Is.EqualTo("get_weather"));
            Assert.That(tool.GetProperty("description").GetString(), Is.EqualTo("Gets the weather."));
            Assert.That(tool.GetProperty("input_schema").GetProperty("properties").GetProperty("city").GetProperty("type").GetString(), Is.EqualTo("string"));
        });
    }

    [Test]
    public async Task GetResponseAsync_ToolUseThenToolResult_RoundTripsFunctionCallAndResult()
    {
        _server.EnqueueJson(200, AnthropicWire.Message(
            [AnthropicWire.Text("Let me check."), AnthropicWire.ToolUse("toolu_1", "get_weather", new { city = "Paris", days = 2 })],
            stopReason: "tool_use"));
        _server.EnqueueJson(200, AnthropicWire.Message([AnthropicWire.Text("Sunny in Paris.")]));
        var client = CreateClient();
        var options = new ChatOptions { Tools = [AIFunctionFactory.Create((string city, int days) => "sunny", "get_weather")] };
        var history = new List<ChatMessage> { new(ChatRole.User, "Weather in Paris?") };

        var first = await client.GetResponseAsync(history, options);
        var call = first.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().Single();
        history.AddRange(first.Messages);
        history.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent(call.CallId, "sunny, 21C")]));
        var second = await client.GetResponseAsync(history, options);

        var messages = _server.Requests[1].Json.GetProperty("messages");
        var toolUse = messages[1].GetProperty("content").EnumerateArray().Single(b => b.GetProperty("type").GetString() == "tool_use");
        var toolResult = messages[2].GetProperty("content").EnumerateArray().Single(b => b.GetProperty("type").GetString() == "tool_result");
        Assert.Multiple(() =>
        {
            Assert.That(first.FinishReason, Is.EqualTo(ChatFinishReason.ToolCalls));
            Assert.That(call.CallId, Is.EqualTo("toolu_1"));
            Assert.That(call.Name, Is.EqualTo("get_weather"));
            Assert.That(call.Arguments!["city"]!.ToString(), Is.EqualTo("Paris"));
            Assert.That(call.Arguments!["days"]!.ToString(), Is.EqualTo("2"));
            Assert.That(second.Text, Is.EqualTo("Sunny in Paris."));
            Assert.That(messages[1].GetProperty("role").GetString(), Is.EqualTo("assistant"));
            Assert.That(toolUse.GetProperty("id").GetString(), Is.EqualTo("toolu_1"));
            Assert.That(toolUse.GetProperty("input").GetProperty("city").GetString(), Is.EqualTo("Paris"));
            Assert.That(messages[2].GetProperty("role").GetString(), Is.EqualTo("user"));
            Assert.That(toolResult.GetProperty("tool_use_id").GetString(), Is.EqualTo("toolu_1"));
            Assert.That(toolResult.GetProperty("content").ToString(), Does.Contain("sunny, 21C"));
        });
    }

    [Test]
    public async Task GetStreamingResponseAsync_Text_YieldsUpdatesIncrementallyWithUsageAndStopReason()
    {
        var firstUpdateSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _server.Enqueue(async x =>
        {
            var events = AnthropicWire.TextStream("Hel", "lo", " Claude");
            await x.StartChunkedAsync(200, "text/event-stream");
            foreach (var e in events.Take(4))
            {
                await x.WriteChunkAsync(e);
            }

            await firstUpdateSeen.Task.WaitAsync(TimeSpan.FromSeconds(10), x.Aborted);
            foreach (var e in events.Skip(4))
            {
                await x.WriteChunkAsync(e);
            }

            await x.EndChunkedAsync();
        });
        var client = CreateClient();

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync("hi"))
        {
            updates.Add(update);
            if (update.Text == "Hel")
            {
                firstUpdateSeen.TrySetResult();
            }
        }

        var response = updates.ToChatResponse();
        Assert.Multiple(() =>
        {
            Assert.That(firstUpdateSeen.Task.IsCompleted, Is.True);
            Assert.That(updates.Select(u => u.Text).Where(t => t.Length > 0), Is.EqualTo(new[] { "Hel", "lo", " Claude" }));
            Assert.That(response.Text, Is.EqualTo("Hello Claude"));
            Assert.That(response.FinishReason, Is.EqualTo(ChatFinishReason.Stop));
            Assert.That(response.Usage!.InputTokenCount, Is.EqualTo(12));
            Assert.That(response.Usage.OutputTokenCount, Is.EqualTo(15));
            Assert.That(_server.Requests.Single().Json.GetProperty("stream").GetBoolean(), Is.True);
        });
    }

    [Test]
    public async Task GetStreamingResponseAsync_ToolUseWithSplitJson_YieldsParsedFunctionCall()
    {
        _server.EnqueueSse(
        [
            AnthropicWire.MessageStart(),
            AnthropicWire.ToolBlockStart(0, "toolu_7", "get_weather"),
            AnthropicWire.JsonDelta(0, "{\"ci"),
            AnthropicWire.JsonDelta(0, "ty\": \"Os"),
            AnthropicWire.JsonDelta(0, "lo\"}"),
            AnthropicWire.BlockStop(0),
            AnthropicWire.MessageDelta("tool_use", 9),
            AnthropicWire.MessageStop,
        ]);
        var client = CreateClient();

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync("go", new ChatOptions { Tools = [AIFunctionFactory.Create((string city) => "x", "get_weather")] }))
        {
            updates.Add(update);
        }

        var response = updates.ToChatResponse();
        var call = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().Single();
        Assert.Multiple(() =>
        {
            Assert.That(response.FinishReason, Is.EqualTo(ChatFinishReason.ToolCalls));
            Assert.That(call.CallId, Is.EqualTo("toolu_7"));
            Assert.That(call.Name, Is.EqualTo("get_weather"));
            Assert.That(call.Arguments!["city"]!.ToString(), Is.EqualTo("Oslo"));
        });
    }

    [Test]
    public async Task GetStreamingResponseAsync_CancelledMidStream_ThrowsOperationCanceled()
    {
        _server.Enqueue(async x =>
        {
            await x.StartChunkedAsync(200, "text/event-stream");
            await x.WriteChunkAsync(AnthropicWire.MessageStart());
            await x.WriteChunkAsync(AnthropicWire.TextBlockStart(0));
            await x.WriteChunkAsync(AnthropicWire.TextDelta(0, "partial"));
            await x.StallAsync(TimeSpan.FromSeconds(10));
        });
        var client = CreateClient();
        using var cts = new CancellationTokenSource();

        var received = new List<string>();
        var ex = await CatchAsync(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync("hi", cancellationToken: cts.Token))
            {
                if (update.Text.Length > 0)
                {
                    received.Add(update.Text);
                    await cts.CancelAsync();
                }
            }
        });

        Assert.That(ex, Is.InstanceOf<OperationCanceledException>());
        Assert.That(received, Is.EqualTo(new[] { "partial" }));
    }

    [TestCase("rate_limit_error", 429, "7", 7000)]
    [TestCase("overloaded_error", 529, null, null)]
    [TestCase("api_error", 500, null, null)]
    [TestCase("api_error", 503, "2", 2000)]
    public async Task GetResponseAsync_TransientStatus_ThrowsTransientWithRetryAfter(string type, int status, string? retryAfter, int? expectedMs)
    {
        var headers = retryAfter is null ? null : new Dictionary<string, string> { ["Retry-After"] = retryAfter };
        _server.EnqueueJson(status, AnthropicWire.Error(type, "Please slow down"), headers);
        var client = CreateClient();

        var ex = await CatchProviderAsync(() => client.GetResponseAsync("hi"));

        Assert.Multiple(() =>
        {
            Assert.That(ex.StatusCode, Is.EqualTo(status));
            Assert.That(ex.IsTransient, Is.True);
            Assert.That(ex.RetryAfter, Is.EqualTo(expectedMs is null ? null : TimeSpan.FromMilliseconds(expectedMs.Value)));
            Assert.That(ex.ProviderName, Is.EqualTo("anthropic"));
            Assert.That(ex.Message, Does.Contain(type).And.Contain("Please slow down"));
            Assert.That(ex.InnerException, Is.InstanceOf<Anthropic.Exceptions.AnthropicApiException>());
            Assert.That(_server.Requests, Has.Count.EqualTo(1), "the SDK's own retries must be off");
        });
    }

    [Test]
    public async Task GetStreamingResponseAsync_RateLimited_ThrowsTransientWithRetryAfter()
    {
        _server.EnqueueJson(429, AnthropicWire.Error("rate_limit_error", "slow down"), new Dictionary<string, string> { ["retry-after"] = "3" });
        var client = CreateClient();

        var ex = await CatchProviderAsync(async () =>
        {
            await foreach (var _ in client.GetStreamingResponseAsync("hi"))
            {
            }
        });

        Assert.Multiple(() =>
        {
            Assert.That(ex.StatusCode, Is.EqualTo(429));
            Assert.That(ex.IsTransient, Is.True);
            Assert.That(ex.RetryAfter, Is.EqualTo(TimeSpan.FromSeconds(3)));
        });
    }

    [TestCase("invalid_request_error", 400)]
    [TestCase("authentication_error", 401)]
    public async Task GetResponseAsync_ClientError_ThrowsNonTransientWithoutApiKey(string type, int status)
    {
        _server.EnqueueJson(status, AnthropicWire.Error(type, $"invalid x-api-key {ApiKey}"));
        var client = CreateClient();

        var ex = await CatchProviderAsync(() => client.GetResponseAsync("hi"));

        Assert.Multiple(() =>
        {
            Assert.That(ex.StatusCode, Is.EqualTo(status));
            Assert.That(ex.IsTransient, Is.False);
            Assert.That(ex.Message, Does.Contain(type));
            Assert.That(ex.Message, Does.Not.Contain(ApiKey));
            Assert.That(ex.ToString(), Does.Not.Contain(ApiKey));
            Assert.That(_server.Requests.Single().Header("Authorization"), Is.EqualTo($"Bearer {ApiKey}"));
        });
    }

    [Test]
    public async Task GetStreamingResponseAsync_StreamEndsBeforeMessageStop_ThrowsTransientInsteadOfSilentSuccess()
    {
        _server.EnqueueSse([AnthropicWire.MessageStart(), AnthropicWire.TextBlockStart(0), AnthropicWire.TextDelta(0, "The answer is")]);
        var client = CreateClient();

        var texts = new List<string>();
        var ex = await CatchProviderAsync(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync("hi"))
            {
                texts.Add(update.Text);
            }
        });

        Assert.Multiple(() =>
        {
            Assert.That(texts, Does.Contain("The answer is"));
            Assert.That(ex.IsTransient, Is.True);
            Assert.That(ex.Message, Does.Contain("ended before"));
        });
    }

    [Test]
    public async Task GetStreamingResponseAsync_ConnectionResetMidStream_ThrowsTransient()
    {
        _server.EnqueueSse([AnthropicWire.MessageStart(), AnthropicWire.TextBlockStart(0), AnthropicWire.TextDelta(0, "par")], abortAtEnd: true);
        var client = CreateClient();

        var ex = await CatchProviderAsync(async () =>
        {
            await foreach (var _ in client.GetStreamingResponseAsync("hi"))
            {
            }
        });

        Assert.That(ex.IsTransient, Is.True);
    }

    [Test]
    public async Task GetStreamingResponseAsync_ErrorEventInStream_ThrowsTransientOverloaded()
    {
        _server.EnqueueSse(
        [
            AnthropicWire.MessageStart(),
            AnthropicWire.Event("error", new { type = "error", error = new { type = "overloaded_error", message = "Overloaded" } }),
        ]);
        var client = CreateClient();

        var ex = await CatchProviderAsync(async () =>
        {
            await foreach (var _ in client.GetStreamingResponseAsync("hi"))
            {
            }
        });

        Assert.That(ex.IsTransient, Is.True);
    }

    [Test]
    public async Task GetResponseAsync_ConnectionReset_ThrowsTransient()
    {
        _server.Enqueue(x =>
        {
            x.Abort();
            return Task.CompletedTask;
        });
        var client = CreateClient();

        var ex = await CatchProviderAsync(() => client.GetResponseAsync("hi"));

        Assert.Multiple(() =>
        {
            Assert.That(ex.IsTransient, Is.True);
            Assert.That(ex.StatusCode, Is.Null);
        });
    }

    [Test]
    public async Task GetResponseAsync_ServerSlowerThanTimeout_ThrowsTransientTimeout()
    {
        _server.Enqueue(x => x.StallAsync(TimeSpan.FromSeconds(10)));
        var client = CreateClient(o => o.Timeout = TimeSpan.FromMilliseconds(300));

        var ex = await CatchProviderAsync(() => client.GetResponseAsync("hi"));

        Assert.Multiple(() =>
        {
            Assert.That(ex.IsTransient, Is.True);
            Assert.That(ex.Message, Does.Contain("timed out"));
        });
    }

    [Test]
    public async Task GetStreamingResponseAsync_StreamStallsBeyondTimeout_ThrowsTransientTimeout()
    {
        _server.Enqueue(async x =>
        {
            await x.StartChunkedAsync(200, "text/event-stream");
            await x.WriteChunkAsync(AnthropicWire.MessageStart());
            await x.WriteChunkAsync(AnthropicWire.TextBlockStart(0));
            await x.WriteChunkAsync(AnthropicWire.TextDelta(0, "partial"));
            await x.StallAsync(TimeSpan.FromSeconds(10));
        });
        var client = CreateClient(o => o.Timeout = TimeSpan.FromMilliseconds(500));

        var texts = new List<string>();
        var ex = await CatchProviderAsync(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync("hi"))
            {
                texts.Add(update.Text);
            }
        });

        Assert.Multiple(() =>
        {
            Assert.That(texts, Does.Contain("partial"));
            Assert.That(ex.IsTransient, Is.True);
            Assert.That(ex.Message, Does.Contain("timed out"));
        });
    }

    [Test]
    public async Task Dispose_CallerDisposesItsClient_ProviderKeepsServingTheModel()
    {
        _server.EnqueueJson(200, AnthropicWire.Message([AnthropicWire.Text("still alive")]));
        var client = CreateClient();

        client.Dispose();
        var again = _services!.GetRequiredService<IChatProvider>().GetChatClient();
        var response = await again.GetResponseAsync("hi");

        Assert.That(response.Text, Is.EqualTo("still alive"));
    }

    [Test]
    public void GetService_ChatClientMetadata_DescribesAnthropicAndModel()
    {
        var client = CreateClient();

        var metadata = client.GetService<ChatClientMetadata>();

        Assert.Multiple(() =>
        {
            Assert.That(metadata!.ProviderName, Is.EqualTo("anthropic"));
            Assert.That(metadata.DefaultModelId, Is.EqualTo("claude-test"));
        });
    }

    private IChatClient CreateClient(Action<AnthropicProviderOptions>? configure = null)
    {
        var services = new ServiceCollection();
        new TestSessionsBuilder(services).AddAnthropicProvider(configure: o =>
        {
            o.BaseUrl = _server.BaseAddress;
            o.ApiKey = ApiKey;
            o.DefaultModel = "claude-test";
            o.DefaultMaxOutputTokens = 1000;
            o.Timeout = TimeSpan.FromSeconds(20);
            configure?.Invoke(o);
        });
        _services = services.BuildServiceProvider();
        return _services.GetRequiredService<IChatProvider>().GetChatClient();
    }

    private static async Task<Exception?> CatchAsync(Func<Task> action)
    {
        try
        {
            await action();
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    private static async Task<ChatProviderException> CatchProviderAsync(Func<Task> action)
    {
        var ex = await CatchAsync(action);
        Assert.That(ex, Is.TypeOf<ChatProviderException>(), () => $"expected ChatProviderException, got {ex}");
        TestContext.Out.WriteLine($"{ex!.GetType().Name}: {ex.Message} [inner {ex.InnerException?.GetType().Name}]");
        return (ChatProviderException)ex!;
    }
}

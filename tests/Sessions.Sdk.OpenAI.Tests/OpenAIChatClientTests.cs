using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Sessions.Sdk.Tests;

/// <summary>Drives the OpenAI provider through the official SDK against a loopback server speaking the chat-completions protocol.</summary>
public sealed class OpenAIChatClientTests
{
    private const string ApiKey = "sk-test-7f3c9a1b2d4e6f80";
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
    public async Task GetResponseAsync_PlainText_ReturnsTextIdsModelUsageAndFinishReason()
    {
        _server.EnqueueJson(200, OpenAIWire.Completion("Hello there!", id: "chatcmpl-42", model: "gpt-test-2025", promptTokens: 12, completionTokens: 4, cachedTokens: 5));
        var client = CreateClient();

        var response = await client.GetResponseAsync("hi");

        Assert.Multiple(() =>
        {
            Assert.That(response.Text, Is.EqualTo("Hello there!"));
            Assert.That(response.Messages, Has.Count.EqualTo(1));
            Assert.That(response.Messages[0].Role, Is.EqualTo(ChatRole.Assistant));
            Assert.That(response.Messages[0].MessageId, Is.EqualTo("chatcmpl-42"));
            Assert.That(response.ResponseId, Is.EqualTo("chatcmpl-42"));
            Assert.That(response.ModelId, Is.EqualTo("gpt-test-2025"));
            Assert.That(response.FinishReason, Is.EqualTo(ChatFinishReason.Stop));
            Assert.That(response.Usage!.InputTokenCount, Is.EqualTo(12));
            Assert.That(response.Usage.OutputTokenCount, Is.EqualTo(4));
            Assert.That(response.Usage.TotalTokenCount, Is.EqualTo(16));
            Assert.That(response.Usage.CachedInputTokenCount, Is.EqualTo(5));
            // Microsoft.Extensions.AI.OpenAI 11 reports cached tokens once, as the first-class CachedInputTokenCount above
            // (our deleted mapper also copied them into AdditionalCounts, where a consumer summing counts would see them twice).
            Assert.That(response.Usage.AdditionalCounts?.ContainsKey("InputTokenDetails.CachedTokenCount") ?? false, Is.False);
        });
        var request = _server.Requests.Single();
        Assert.Multiple(() =>
        {
            Assert.That(request.Method, Is.EqualTo("POST"));
            Assert.That(request.Path, Is.EqualTo("/v1/chat/completions"));
            Assert.That(request.Header("Authorization"), Is.EqualTo($"Bearer {ApiKey}"));
            Assert.That(request.Json.GetProperty("model").GetString(), Is.EqualTo("gpt-test"));
        });
    }

    [Test]
    public async Task GetResponseAsync_OrganizationAndProject_SendsTheirHeaders()
    {
        _server.EnqueueJson(200, OpenAIWire.Completion());
        var client = CreateClient(o =>
        {
            o.Organization = "org-123";
            o.Project = "proj-456";
        });

        await client.GetResponseAsync("hi");

        var request = _server.Requests.Single();
        Assert.Multiple(() =>
        {
            Assert.That(request.Header("OpenAI-Organization"), Is.EqualTo("org-123"));
            Assert.That(request.Header("OpenAI-Project"), Is.EqualTo("proj-456"));
        });
    }

    [Test]
    public async Task GetResponseAsync_MultiTurnWithSystemPromptAndOptions_SendsMappedRequest()
    {
        _server.EnqueueJson(200, OpenAIWire.Completion("{\"city\":\"Paris\"}"));
        var client = CreateClient();
        var schema = JsonDocument.Parse("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""").RootElement;
        var options = new ChatOptions
        {
            Temperature = 0.25f,
            TopP = 0.5f,
            MaxOutputTokens = 123,
            StopSequences = ["END", "STOP"],
            Seed = 42,
            ResponseFormat = ChatResponseFormat.ForJsonSchema(schema, "city_answer", "A city."),
            Tools = [AIFunctionFactory.Create(([System.ComponentModel.Description("The city")] string city, int days) => $"{city}:{days}", "get_weather", "Gets the weather.")],
        };

        await client.GetResponseAsync(
            [
                new ChatMessage(ChatRole.System, "You are terse."),
                new ChatMessage(ChatRole.User, "Where is the Louvre?"),
                new ChatMessage(ChatRole.Assistant, "In a city."),
                new ChatMessage(ChatRole.User, "Which one?"),
            ],
            options);

        var body = _server.Requests.Single().Json;
        var messages = body.GetProperty("messages").EnumerateArray().ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(messages.Select(m => m.GetProperty("role").GetString()), Is.EqualTo(new[] { "system", "user", "assistant", "user" }));
            Assert.That(messages[0].GetProperty("content").ToString(), Does.Contain("You are terse."));
            Assert.That(messages[3].GetProperty("content").ToString(), Does.Contain("Which one?"));
            Assert.That(body.GetProperty("model").GetString(), Is.EqualTo("gpt-test"));
            Assert.That(body.GetProperty("temperature").GetSingle(), Is.EqualTo(0.25f));
            Assert.That(body.GetProperty("top_p").GetSingle(), Is.EqualTo(0.5f));
            Assert.That(body.GetProperty("max_completion_tokens").GetInt32(), Is.EqualTo(123));
            Assert.That(body.GetProperty("stop").EnumerateArray().Select(s => s.GetString()), Is.EqualTo(new[] { "END", "STOP" }));
            Assert.That(body.GetProperty("seed").GetInt64(), Is.EqualTo(42));
            Assert.That(body.TryGetProperty("stream", out var stream) && stream.GetBoolean(), Is.False);
        });

        var format = body.GetProperty("response_format");
        Assert.Multiple(() =>
        {
            Assert.That(format.GetProperty("type").GetString(), Is.EqualTo("json_schema"));
            Assert.That(format.GetProperty("json_schema").GetProperty("name").GetString(), Is.EqualTo("city_answer"));
            Assert.That(format.GetProperty("json_schema").GetProperty("description").GetString(), Is.EqualTo("A city."));
            Assert.That(format.GetProperty("json_schema").GetProperty("schema").GetProperty("required")[0].GetString(), Is.EqualTo("city"));
        });

        var tool = body.GetProperty("tools")[0];
        var parameters = tool.GetProperty("function").GetProperty("parameters");
        Assert.Multiple(() =>
        {
            Assert.That(tool.GetProperty("type").GetString(), Is.EqualTo("function"));
            Assert.That(tool.GetProperty("function").GetProperty("name").GetString(), Is.EqualTo("get_weather"));
            Assert.That(tool.GetProperty("function").GetProperty("description").GetString(), Is.EqualTo("Gets the weather."));
            Assert.That(parameters.GetProperty("type").GetString(), Is.EqualTo("object"));
            Assert.That(parameters.GetProperty("properties").GetProperty("city").GetProperty("type").GetString(), Is.EqualTo("string"));
            Assert.That(parameters.GetProperty("properties").GetProperty("city").GetProperty("description").GetString(), Is.EqualTo("The city"));
            Assert.That(parameters.GetProperty("properties").GetProperty("days").GetProperty("type").GetString(), Is.EqualTo("integer"));
            Assert.That(parameters.GetProperty("required").EnumerateArray().Select(r => r.GetString()), Is.EquivalentTo(new[] { "city", "days" }));
            Assert.That(body.GetProperty("tool_choice").GetString(), Is.EqualTo("auto"));
        });
    }

    [Test]
    public async Task GetResponseAsync_InstructionsAndJsonObjectFormat_SendsSystemMessageFirstAndJsonObject()
    {
        _server.EnqueueJson(200, OpenAIWire.Completion("{}"));
        var client = CreateClient();

        await client.GetResponseAsync("hi", new ChatOptions { Instructions = "Answer in JSON.", ResponseFormat = ChatResponseFormat.Json });

        var body = _server.Requests.Single().Json;
        Assert.Multiple(() =>
        {
            Assert.That(body.GetProperty("messages")[0].GetProperty("role").GetString(), Is.EqualTo("system"));
            Assert.That(body.GetProperty("messages")[0].GetProperty("content").ToString(), Does.Contain("Answer in JSON."));
            Assert.That(body.GetProperty("response_format").GetProperty("type").GetString(), Is.EqualTo("json_object"));
        });
    }

    [Test]
    public async Task GetResponseAsync_RawRepresentationFactory_StartsFromGivenSdkOptions()
    {
        _server.EnqueueJson(200, OpenAIWire.Completion());
        var client = CreateClient();
        IChatClient? factoryArgument = null;

        await client.GetResponseAsync("hi", new ChatOptions
        {
            FrequencyPenalty = 0.1f,
            Temperature = 0.2f,
            RawRepresentationFactory = c =>
            {
                factoryArgument = c;
                return new OpenAI.Chat.ChatCompletionOptions { FrequencyPenalty = 0.7f };
            },
        });

        var body = _server.Requests.Single().Json;
        Assert.Multiple(() =>
        {
            Assert.That(factoryArgument, Is.SameAs(client));
            Assert.That(body.GetProperty("frequency_penalty").GetSingle(), Is.EqualTo(0.7f));
            Assert.That(body.GetProperty("temperature").GetSingle(), Is.EqualTo(0.2f));
        });
    }

    [Test]
    public async Task GetResponseAsync_ToolCallsInResponse_ReturnsFunctionCallContentWithParsedArguments()
    {
        _server.EnqueueJson(200, OpenAIWire.Completion(
            finishReason: "tool_calls",
            toolCalls: [OpenAIWire.ToolCall("call_1", "get_weather", """{"city":"Paris","days":3}"""), OpenAIWire.ToolCall("call_2", "get_time", "{}")]));
        var client = CreateClient();

        var response = await client.GetResponseAsync("weather?", new ChatOptions { Tools = [AIFunctionFactory.Create((string city, int days) => "sunny", "get_weather")] });

        var calls = response.Messages.Single().Contents.OfType<FunctionCallContent>().ToArray();
        Assert.That(calls, Has.Length.EqualTo(2));
        Assert.Multiple(() =>
        {
            Assert.That(response.FinishReason, Is.EqualTo(ChatFinishReason.ToolCalls));
            Assert.That(calls[0].CallId, Is.EqualTo("call_1"));
            Assert.That(calls[0].Name, Is.EqualTo("get_weather"));
            Assert.That(calls[0].Arguments!["city"]!.ToString(), Is.EqualTo("Paris"));
            Assert.That(calls[0].Arguments!["days"]!.ToString(), Is.EqualTo("3"));
            Assert.That(calls[1].Name, Is.EqualTo("get_time"));
            Assert.That(calls[1].Arguments, Is.Empty);
        });
    }

    [Test]
    public async Task GetResponseAsync_FunctionCallAndResultInHistory_SendsAssistantToolCallsAndToolMessage()
    {
        _server.EnqueueJson(200, OpenAIWire.Completion("It is sunny in Paris."));
        var client = CreateClient();
        var call = new FunctionCallContent("call_9", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris" });

        var response = await client.GetResponseAsync(
            [
                new ChatMessage(ChatRole.User, "Weather in Paris?"),
                new ChatMessage(ChatRole.Assistant, [call]),
                new ChatMessage(ChatRole.Tool, [new FunctionResultContent("call_9", new { temperature = 21, sky = "sunny" })]),
            ]);

        var messages = _server.Requests.Single().Json.GetProperty("messages");
        var toolCall = messages[1].GetProperty("tool_calls")[0];
        Assert.Multiple(() =>
        {
            Assert.That(response.Text, Is.EqualTo("It is sunny in Paris."));
            Assert.That(messages[1].GetProperty("role").GetString(), Is.EqualTo("assistant"));
            Assert.That(toolCall.GetProperty("id").GetString(), Is.EqualTo("call_9"));
            Assert.That(toolCall.GetProperty("type").GetString(), Is.EqualTo("function"));
            Assert.That(toolCall.GetProperty("function").GetProperty("name").GetString(), Is.EqualTo("get_weather"));
            Assert.That(JsonDocument.Parse(toolCall.GetProperty("function").GetProperty("arguments").GetString()!).RootElement.GetProperty("city").GetString(), Is.EqualTo("Paris"));
            Assert.That(messages[2].GetProperty("role").GetString(), Is.EqualTo("tool"));
            Assert.That(messages[2].GetProperty("tool_call_id").GetString(), Is.EqualTo("call_9"));
            Assert.That(JsonDocument.Parse(messages[2].GetProperty("content").GetString()!).RootElement.GetProperty("temperature").GetInt32(), Is.EqualTo(21));
        });
    }

    [Test]
    public async Task GetStreamingResponseAsync_Text_YieldsUpdatesIncrementallyWithUsageAndFinishReason()
    {
        var firstUpdateSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _server.Enqueue(async x =>
        {
            var events = OpenAIWire.TextStream("Hel", "lo", " world");
            await x.StartChunkedAsync(200, "text/event-stream");
            await x.WriteChunkAsync(events[0]);
            await x.WriteChunkAsync(events[1]);

            // The rest is only sent once the client has surfaced the first text piece: proof that updates stream.
            await firstUpdateSeen.Task.WaitAsync(TimeSpan.FromSeconds(10), x.Aborted);
            foreach (var e in events.Skip(2))
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
        var body = _server.Requests.Single().Json;
        Assert.Multiple(() =>
        {
            Assert.That(firstUpdateSeen.Task.IsCompleted, Is.True);
            Assert.That(updates.Select(u => u.Text).Where(t => t.Length > 0), Is.EqualTo(new[] { "Hel", "lo", " world" }));
            Assert.That(response.Text, Is.EqualTo("Hello world"));
            Assert.That(response.FinishReason, Is.EqualTo(ChatFinishReason.Stop));
            Assert.That(response.ResponseId, Is.EqualTo("chatcmpl-s1"));
            Assert.That(response.ModelId, Is.EqualTo("gpt-test"));
            Assert.That(response.Usage!.InputTokenCount, Is.EqualTo(5));
            Assert.That(response.Usage.OutputTokenCount, Is.EqualTo(3));
            Assert.That(response.Usage.TotalTokenCount, Is.EqualTo(8));
            Assert.That(body.GetProperty("stream").GetBoolean(), Is.True);
            Assert.That(body.GetProperty("stream_options").GetProperty("include_usage").GetBoolean(), Is.True);
        });
    }

    [Test]
    public async Task GetStreamingResponseAsync_ToolCallsSplitAcrossChunks_AccumulatesThemByIndex()
    {
        _server.EnqueueSse(
        [
            OpenAIWire.Chunk(new { role = "assistant", tool_calls = new object[] { new { index = 0, id = "call_a", type = "function", function = new { name = "get_weather", arguments = "" } } } }),
            OpenAIWire.Chunk(new { tool_calls = new object[] { new { index = 0, function = new { arguments = "{\"ci" } } } }),
            OpenAIWire.Chunk(new { tool_calls = new object[] { new { index = 1, id = "call_b", type = "function", function = new { name = "get_time", arguments = "{\"zone\":" } } } }),
            OpenAIWire.Chunk(new { tool_calls = new object[] { new { index = 0, function = new { arguments = "ty\":\"Oslo\"}" } } } }),
            OpenAIWire.Chunk(new { tool_calls = new object[] { new { index = 1, function = new { arguments = "\"CET\"}" } } } }),
            OpenAIWire.Chunk(new { }, "tool_calls"),
            OpenAIWire.UsageChunk(9, 6),
            OpenAIWire.Done,
        ]);
        var client = CreateClient();

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync("go", new ChatOptions { Tools = [AIFunctionFactory.Create(() => "x", "get_weather")] }))
        {
            updates.Add(update);
        }

        var response = updates.ToChatResponse();
        var calls = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().ToArray();
        Assert.That(calls, Has.Length.EqualTo(2));
        Assert.Multiple(() =>
        {
            Assert.That(response.FinishReason, Is.EqualTo(ChatFinishReason.ToolCalls));
            Assert.That(calls[0].CallId, Is.EqualTo("call_a"));
            Assert.That(calls[0].Name, Is.EqualTo("get_weather"));
            Assert.That(calls[0].Arguments!["city"]!.ToString(), Is.EqualTo("Oslo"));
            Assert.That(calls[1].CallId, Is.EqualTo("call_b"));
            Assert.That(calls[1].Arguments!["zone"]!.ToString(), Is.EqualTo("CET"));
            Assert.That(response.Usage!.TotalTokenCount, Is.EqualTo(15));
        });
    }

    [Test]
    public async Task GetStreamingResponseAsync_CancelledMidStream_ThrowsOperationCanceled()
    {
        _server.Enqueue(async x =>
        {
            await x.StartChunkedAsync(200, "text/event-stream");
            await x.WriteChunkAsync(OpenAIWire.Chunk(new { role = "assistant", content = "partial" }));
            await x.StallAsync(TimeSpan.FromSeconds(10));
        });
        var client = CreateClient();
        using var cts = new CancellationTokenSource();

        var received = new List<string>();
        var ex = await CatchAsync(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync("hi", cancellationToken: cts.Token))
            {
                received.Add(update.Text);
                await cts.CancelAsync();
            }
        });

        Assert.That(ex, Is.InstanceOf<OperationCanceledException>());
        Assert.That(received, Is.EqualTo(new[] { "partial" }));
    }

    [TestCase("7", null, 7000)]
    [TestCase("1.5", null, 1500)]
    [TestCase(null, "250", 250)]
    [TestCase("Sun, 22 Nov 2026 04:00:30 GMT", null, 30000)]
    public async Task GetResponseAsync_RateLimitedWithRetryAfter_ThrowsTransientWithRetryAfter(string? retryAfter, string? retryAfterMs, int expectedMs)
    {
        var headers = new Dictionary<string, string>();
        if (retryAfter is not null)
        {
            headers["Retry-After"] = retryAfter;
        }

        if (retryAfterMs is not null)
        {
            headers["retry-after-ms"] = retryAfterMs;
        }

        _server.EnqueueJson(429, """{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}""", headers);
        var client = CreateClient(timeProvider: new FixedTimeProvider(new DateTimeOffset(2026, 11, 22, 4, 0, 0, TimeSpan.Zero)));

        var ex = await CatchProviderAsync(() => client.GetResponseAsync("hi"));

        Assert.Multiple(() =>
        {
            Assert.That(ex.StatusCode, Is.EqualTo(429));
            Assert.That(ex.IsTransient, Is.True);
            Assert.That(ex.RetryAfter, Is.EqualTo(TimeSpan.FromMilliseconds(expectedMs)));
            Assert.That(ex.ProviderName, Is.EqualTo("openai"));
            Assert.That(ex.Message, Does.Contain("429").And.Contain("Rate limit reached"));
            Assert.That(ex.InnerException, Is.InstanceOf<System.ClientModel.ClientResultException>());
            Assert.That(_server.Requests, Has.Count.EqualTo(1), "the SDK's own retries must be off");
        });
    }

    [TestCase(500)]
    [TestCase(502)]
    [TestCase(503)]
    [TestCase(408)]
    [TestCase(409)]
    public async Task GetResponseAsync_ServerError_ThrowsTransient(int status)
    {
        _server.EnqueueJson(status, """{"error":{"message":"The server had an error","type":"server_error"}}""");
        var client = CreateClient();

        var ex = await CatchProviderAsync(() => client.GetResponseAsync("hi"));

        Assert.Multiple(() =>
        {
            Assert.That(ex.StatusCode, Is.EqualTo(status));
            Assert.That(ex.IsTransient, Is.True);
            Assert.That(ex.RetryAfter, Is.Null);
            Assert.That(_server.Requests, Has.Count.EqualTo(1));
        });
    }

    [TestCase(400)]
    [TestCase(401)]
    [TestCase(403)]
    [TestCase(404)]
    public async Task GetResponseAsync_ClientError_ThrowsNonTransientWithoutApiKey(int status)
    {
        // A server that echoes the key must not make it leak into our exception.
        _server.EnqueueJson(status, $$$"""{"error":{"message":"Incorrect API key provided: {{{ApiKey}}}","type":"invalid_request_error"}}""");
        var client = CreateClient();

        var ex = await CatchProviderAsync(() => client.GetResponseAsync("hi"));

        Assert.Multiple(() =>
        {
            Assert.That(ex.StatusCode, Is.EqualTo(status));
            Assert.That(ex.IsTransient, Is.False);
            Assert.That(ex.Message, Does.Contain("Incorrect API key provided"));
            Assert.That(ex.Message, Does.Not.Contain(ApiKey));
            Assert.That(ex.ToString(), Does.Not.Contain(ApiKey));
            Assert.That(_server.Requests.Single().Header("Authorization"), Does.Contain(ApiKey));
        });
    }

    [Test]
    public async Task GetStreamingResponseAsync_ErrorStatus_ThrowsTranslatedException()
    {
        _server.EnqueueJson(503, """{"error":{"message":"overloaded"}}""", new Dictionary<string, string> { ["Retry-After"] = "2" });
        var client = CreateClient();

        var ex = await CatchProviderAsync(async () =>
        {
            await foreach (var _ in client.GetStreamingResponseAsync("hi"))
            {
            }
        });

        Assert.Multiple(() =>
        {
            Assert.That(ex.StatusCode, Is.EqualTo(503));
            Assert.That(ex.IsTransient, Is.True);
            Assert.That(ex.RetryAfter, Is.EqualTo(TimeSpan.FromSeconds(2)));
        });
    }

    [Test]
    public async Task GetResponseAsync_ServerSlowerThanNetworkTimeout_ThrowsTransientTimeout()
    {
        _server.Enqueue(x => x.StallAsync(TimeSpan.FromSeconds(10)));
        var client = CreateClient(o => o.NetworkTimeout = TimeSpan.FromMilliseconds(300));

        var ex = await CatchProviderAsync(() => client.GetResponseAsync("hi"));

        Assert.Multiple(() =>
        {
            Assert.That(ex.IsTransient, Is.True);
            Assert.That(ex.StatusCode, Is.Null);
            Assert.That(ex.Message, Does.Contain("timed out"));
        });
    }

    [Test]
    public async Task GetStreamingResponseAsync_StreamStallsBeyondNetworkTimeout_ThrowsTransient()
    {
        _server.Enqueue(async x =>
        {
            await x.StartChunkedAsync(200, "text/event-stream");
            await x.WriteChunkAsync(OpenAIWire.Chunk(new { role = "assistant", content = "partial" }));
            await x.StallAsync(TimeSpan.FromSeconds(10));
        });
        var client = CreateClient(o => o.NetworkTimeout = TimeSpan.FromMilliseconds(400));

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
            Assert.That(texts, Is.EqualTo(new[] { "partial" }));
            Assert.That(ex.IsTransient, Is.True);
        });
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
            Assert.That(ex.Message, Does.Not.Contain(ApiKey));
        });
    }

    [Test]
    public async Task GetResponseAsync_NothingListening_ThrowsTransient()
    {
        var port = _server.Port;
        await _server.DisposeAsync();
        _server = new LoopbackHttpServer();
        var client = CreateClient(o => o.Endpoint = new Uri($"http://127.0.0.1:{port}/v1"));

        var ex = await CatchProviderAsync(() => client.GetResponseAsync("hi"));

        Assert.That(ex.IsTransient, Is.True);
    }

    [Test]
    public async Task GetStreamingResponseAsync_ConnectionResetMidStream_ThrowsTransient()
    {
        _server.EnqueueSse([OpenAIWire.Chunk(new { role = "assistant", content = "par" }), OpenAIWire.Chunk(new { content = "tial" })], abortAtEnd: true);
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
    public async Task GetStreamingResponseAsync_StreamEndsBeforeFinishReason_ThrowsTransientInsteadOfSilentSuccess()
    {
        _server.EnqueueSse([OpenAIWire.Chunk(new { role = "assistant", content = "The answer is" }), OpenAIWire.Chunk(new { content = " 4" })]);
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
            Assert.That(texts, Is.EqualTo(new[] { "The answer is", " 4" }));
            Assert.That(ex.IsTransient, Is.True);
            Assert.That(ex.Message, Does.Contain("ended before"));
        });
    }

    [Test]
    public async Task GetStreamingResponseAsync_MalformedEvent_ThrowsTransient()
    {
        _server.EnqueueSse([OpenAIWire.Chunk(new { role = "assistant", content = "ok" }), "data: {\"id\":\"x\",\"choices\":[{\"delta\":\n\n", OpenAIWire.Done]);
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
    public async Task GetResponseAsync_MalformedBody_ThrowsTransient()
    {
        _server.EnqueueJson(200, "{\"id\":\"chatcmpl-1\",\"choices\":[{\"message\":");
        var client = CreateClient();

        var ex = await CatchProviderAsync(() => client.GetResponseAsync("hi"));

        Assert.That(ex.IsTransient, Is.True);
    }

    [Test]
    public async Task GetResponseAsync_ChatOptionsModelId_SendsThatModel()
    {
        _server.EnqueueJson(200, OpenAIWire.Completion(model: "other-model"));
        var client = CreateClient();

        var response = await client.GetResponseAsync("hi", new ChatOptions { ModelId = "other-model" });

        Assert.Multiple(() =>
        {
            Assert.That(_server.Requests.Single().Json.GetProperty("model").GetString(), Is.EqualTo("other-model"));
            Assert.That(response.ModelId, Is.EqualTo("other-model"));
        });
    }

    [Test]
    public void GetService_ChatClientMetadata_DescribesProviderEndpointAndModel()
    {
        var client = CreateClient();

        var metadata = client.GetService<ChatClientMetadata>();

        Assert.Multiple(() =>
        {
            Assert.That(metadata!.ProviderName, Is.EqualTo("openai"));
            Assert.That(metadata.ProviderUri, Is.EqualTo(new Uri(_server.BaseAddress, "v1")));
            Assert.That(metadata.DefaultModelId, Is.EqualTo("gpt-test"));
            Assert.That(client.GetService<OpenAI.Chat.ChatClient>(), Is.Not.Null);
            Assert.That(client.GetService<ChatClientMetadata>("key"), Is.Null);
        });
    }

    private IChatClient CreateClient(Action<OpenAIProviderOptions>? configure = null, TimeProvider? timeProvider = null)
    {
        var services = new ServiceCollection();
        if (timeProvider is not null)
        {
            services.AddSingleton(timeProvider);
        }

        new TestSessionsBuilder(services).AddOpenAIProvider(configure: o =>
        {
            o.Endpoint = new Uri(_server.BaseAddress, "v1");
            o.ApiKey = ApiKey;
            o.DefaultModel = "gpt-test";
            o.NetworkTimeout = TimeSpan.FromSeconds(20);
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

using Microsoft.Extensions.Time.Testing;
using Microsoft.Extensions.AI;
using Sessions.Sdk.Testing;

namespace Sessions.Sdk.Tests;

public sealed class ScriptedChatClientTests
{
    private static readonly ChatMessage[] Hello = [new(ChatRole.User, "hello")];

    [Test]
    public async Task GetResponseAsync_QueuedTexts_ReturnedInOrderWithModelAndUsage()
    {
        using var client = new ScriptedChatClient("model-x");
        var usage = new UsageDetails { InputTokenCount = 3, OutputTokenCount = 2, TotalTokenCount = 5 };
        client.EnqueueText("first", usage).EnqueueText("second");

        var first = await client.GetResponseAsync(Hello);
        var second = await client.GetResponseAsync(Hello);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first.Text, Is.EqualTo("first"));
            Assert.That(first.Usage?.TotalTokenCount, Is.EqualTo(5));
            Assert.That(first.ModelId, Is.EqualTo("model-x"));
            Assert.That(first.FinishReason, Is.EqualTo(ChatFinishReason.Stop));
            Assert.That(first.ResponseId, Is.Not.Null.And.Not.EqualTo(second.ResponseId));
            Assert.That(first.Messages.Single().Role, Is.EqualTo(ChatRole.Assistant));
            Assert.That(second.Text, Is.EqualTo("second"));
            Assert.That(client.PendingReplies, Is.Zero);
        }
    }

    [Test]
    public async Task GetResponseAsync_OptionsNameModel_ReplyReportsIt()
    {
        using var client = new ScriptedChatClient();
        client.EnqueueText("hi");

        var response = await client.GetResponseAsync(Hello, new ChatOptions { ModelId = "asked-for" });

        Assert.That(response.ModelId, Is.EqualTo("asked-for"));
    }

    [Test]
    public async Task GetResponseAsync_RecordsCopiesOfMessagesAndOptions()
    {
        using var client = new ScriptedChatClient();
        client.EnqueueText("a").EnqueueText("b");
        var history = new List<ChatMessage> { new(ChatRole.User, "one") };
        var options = new ChatOptions { Temperature = 0.5f };

        await client.GetResponseAsync(history, options);
        history.Add(new ChatMessage(ChatRole.User, "two"));
        options.Temperature = 0.9f;
        await client.GetResponseAsync(history);

        var requests = client.Requests;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(requests, Has.Count.EqualTo(2));
            Assert.That(requests[0].Messages.Select(m => m.Text), Is.EqualTo(new[] { "one" }));
            Assert.That(requests[0].Options?.Temperature, Is.EqualTo(0.5f));
            Assert.That(requests[0].IsStreaming, Is.False);
            Assert.That(requests[1].Messages.Select(m => m.Text), Is.EqualTo(new[] { "one", "two" }));
            Assert.That(requests[1].Options, Is.Null);
            Assert.That(requests[1].Index, Is.EqualTo(1));
            Assert.That(client.LastRequest.LastMessageText, Is.EqualTo("two"));
            Assert.That(client.CallCount, Is.EqualTo(2));
        }
    }

    [Test]
    public async Task GetResponseAsync_FunctionCall_ReturnsCallWithArguments()
    {
        using var client = new ScriptedChatClient();
        client.EnqueueFunctionCall("get_weather", new Dictionary<string, object?> { ["city"] = "Paris" }, "call-7");

        var response = await client.GetResponseAsync(Hello);

        var call = response.Messages.Single().Contents.OfType<FunctionCallContent>().Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(call.Name, Is.EqualTo("get_weather"));
            Assert.That(call.CallId, Is.EqualTo("call-7"));
            Assert.That(call.Arguments?["city"], Is.EqualTo("Paris"));
            Assert.That(response.FinishReason, Is.EqualTo(ChatFinishReason.ToolCalls));
        }
    }

    [Test]
    public async Task GetResponseAsync_SeveralFunctionCalls_AllInOneMessage()
    {
        using var client = new ScriptedChatClient();
        client.EnqueueFunctionCalls([new FunctionCallContent("c1", "a"), new FunctionCallContent("c2", "b")], text: "Calling both.");

        var response = await client.GetResponseAsync(Hello);

        Assert.That(response.Messages.Single().Contents.OfType<FunctionCallContent>().Select(c => c.CallId), Is.EqualTo(new[] { "c1", "c2" }));
        Assert.That(response.Text, Is.EqualTo("Calling both."));
    }

    [Test]
    public async Task GetResponseAsync_QueuedException_ThrownThenScriptContinues()
    {
        using var client = new ScriptedChatClient();
        var failure = new HttpRequestException("boom");
        client.EnqueueException(failure).EnqueueText("recovered");

        var thrown = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetResponseAsync(Hello));
        var response = await client.GetResponseAsync(Hello);

        Assert.That(thrown, Is.SameAs(failure));
        Assert.That(response.Text, Is.EqualTo("recovered"));
    }

    [Test]
    public async Task GetResponseAsync_ScriptExhausted_ThrowsInvalidOperationNamingRequest()
    {
        using var client = new ScriptedChatClient();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => client.GetResponseAsync(Hello));

        Assert.That(ex!.Message, Does.Contain("#1").And.Contain("hello").And.Contain("Enqueue"));
    }

    [Test]
    public async Task GetResponseAsync_ScriptExhausted_UsesCallback()
    {
        using var client = new ScriptedChatClient
        {
            GetResponseAsyncCallback = (messages, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "echo: " + messages[^1].Text))),
        };

        var response = await client.GetResponseAsync(Hello);

        Assert.That(response.Text, Is.EqualTo("echo: hello"));
        Assert.That(response.ModelId, Is.Null, "callback replies are returned as built");
    }

    [Test]
    public async Task Enqueue_DynamicReply_SeesRequest()
    {
        using var client = new ScriptedChatClient();
        client.Enqueue((request, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, $"{request.Messages.Count} messages"))));

        var response = await client.GetResponseAsync([new(ChatRole.System, "s"), new(ChatRole.User, "u")]);

        Assert.That(response.Text, Is.EqualTo("2 messages"));
        Assert.That(response.ModelId, Is.EqualTo("scripted-model"));
    }

    [Test]
    public async Task GetResponseAsync_Delay_WaitsForClock()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        using var client = new ScriptedChatClient(timeProvider: clock);
        client.EnqueueText("late", delay: TimeSpan.FromSeconds(10));

        var call = client.GetResponseAsync(Hello);
        clock.Advance(TimeSpan.FromSeconds(9));
        await Task.Delay(20);
        Assert.That(call.IsCompleted, Is.False);
        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.That((await call.WaitAsync(TimeSpan.FromSeconds(5))).Text, Is.EqualTo("late"));
    }

    [Test]
    public async Task GetResponseAsync_DelayCancelled_ThrowsOperationCanceled()
    {
        using var client = new ScriptedChatClient();
        client.EnqueueText("never", delay: TimeSpan.FromMinutes(5));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        await Assert.CatchAsync<OperationCanceledException>(() => client.GetResponseAsync(Hello, cancellationToken: cts.Token));
    }

    [Test]
    public async Task EnqueueHang_WaitsUntilCancelled()
    {
        using var client = new ScriptedChatClient();
        client.EnqueueHang();
        using var cts = new CancellationTokenSource();

        var call = client.GetResponseAsync(Hello, cancellationToken: cts.Token);
        await Task.Delay(30);
        Assert.That(call.IsCompleted, Is.False);
        await cts.CancelAsync();

        await Assert.CatchAsync<OperationCanceledException>(() => call);
    }

    [Test]
    public async Task GetResponseAsync_CancelledToken_ThrowsButConsumesReply()
    {
        using var client = new ScriptedChatClient();
        client.EnqueueText("x");
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.CatchAsync<OperationCanceledException>(() => client.GetResponseAsync(Hello, cancellationToken: cts.Token));

        Assert.That(client.CallCount, Is.EqualTo(1));
        Assert.That(client.PendingReplies, Is.Zero);
    }

    [Test]
    public async Task GetStreamingResponseAsync_Stream_YieldsChunksThenUsage()
    {
        using var client = new ScriptedChatClient("m");
        client.EnqueueStream(["Hel", "lo", "!"], new UsageDetails { TotalTokenCount = 9 });

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(Hello)) updates.Add(update);

        var response = updates.ToChatResponse();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(updates.Take(3).Select(u => u.Text), Is.EqualTo(new[] { "Hel", "lo", "!" }));
            Assert.That(response.Text, Is.EqualTo("Hello!"));
            Assert.That(response.Usage?.TotalTokenCount, Is.EqualTo(9));
            Assert.That(response.ModelId, Is.EqualTo("m"));
            Assert.That(response.FinishReason, Is.EqualTo(ChatFinishReason.Stop));
            Assert.That(response.Messages, Has.Count.EqualTo(1));
            Assert.That(client.LastRequest.IsStreaming, Is.True);
        }
    }

    [Test]
    public async Task GetStreamingResponseAsync_TextReply_StreamedAsUpdates()
    {
        using var client = new ScriptedChatClient();
        client.EnqueueText("whole", new UsageDetails { InputTokenCount = 1 });

        var response = await client.GetStreamingResponseAsync(Hello).ToChatResponseAsync();

        Assert.That(response.Text, Is.EqualTo("whole"));
        Assert.That(response.Usage?.InputTokenCount, Is.EqualTo(1));
    }

    [Test]
    public async Task GetResponseAsync_StreamStep_CombinedIntoOneResponse()
    {
        using var client = new ScriptedChatClient();
        client.EnqueueStream(["a", "b", "c"]);

        var response = await client.GetResponseAsync(Hello);

        Assert.That(response.Text, Is.EqualTo("abc"));
        Assert.That(response.Messages, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task GetStreamingResponseAsync_BrokenStream_YieldsChunksThenThrows()
    {
        using var client = new ScriptedChatClient();
        client.EnqueueBrokenStream(["par", "tial"], new IOException("connection reset"));
        var received = new List<string>();

        var ex = await Assert.ThrowsAsync<IOException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync(Hello)) received.Add(update.Text);
        });

        Assert.That(received, Is.EqualTo(new[] { "par", "tial" }));
        Assert.That(ex!.Message, Is.EqualTo("connection reset"));
    }

    [Test]
    public async Task GetStreamingResponseAsync_CancelledMidStream_StopsWithOperationCanceled()
    {
        using var client = new ScriptedChatClient();
        client.EnqueueStream(["1", "2", "3", "4"], chunkDelay: TimeSpan.FromMilliseconds(1));
        using var cts = new CancellationTokenSource();
        var received = new List<string>();

        await Assert.CatchAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync(Hello, cancellationToken: cts.Token))
            {
                received.Add(update.Text);
                if (received.Count == 2) await cts.CancelAsync();
            }
        });

        Assert.That(received, Is.EqualTo(new[] { "1", "2" }));
    }

    [Test]
    public async Task GetStreamingResponseAsync_Updates_SentAsGiven()
    {
        using var client = new ScriptedChatClient();
        var call = new FunctionCallContent("c1", "tool");
        client.EnqueueStreamUpdates([new ChatResponseUpdate(ChatRole.Assistant, "x"), new ChatResponseUpdate { Role = ChatRole.Assistant, Contents = [call] }]);

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(Hello)) updates.Add(update);

        Assert.That(updates, Has.Count.EqualTo(2));
        Assert.That(updates[1].Contents.Single(), Is.SameAs(call));
    }

    [Test]
    public async Task GetStreamingResponseAsync_ScriptExhausted_UsesStreamingCallbackThenResponseCallback()
    {
        using var client = new ScriptedChatClient
        {
            GetResponseAsyncCallback = (_, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "from response callback"))),
        };

        var viaResponse = await client.GetStreamingResponseAsync(Hello).ToChatResponseAsync();
        client.GetStreamingResponseAsyncCallback = (_, _, _) => new[] { new ChatResponseUpdate(ChatRole.Assistant, "from stream callback") }.ToAsyncEnumerable();
        var viaStream = await client.GetStreamingResponseAsync(Hello).ToChatResponseAsync();

        Assert.That(viaResponse.Text, Is.EqualTo("from response callback"));
        Assert.That(viaStream.Text, Is.EqualTo("from stream callback"));
    }

    [Test]
    public async Task GetResponseAsync_ConcurrentCallers_EachReplyUsedOnce()
    {
        using var client = new ScriptedChatClient();
        for (int i = 0; i < 200; i++) client.EnqueueText($"r{i}");

        var responses = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Task.Run(() => client.GetResponseAsync(Hello))));

        Assert.That(responses.Select(r => r.Text).Distinct().Count(), Is.EqualTo(200));
        Assert.That(client.Requests, Has.Count.EqualTo(200));
        Assert.That(client.Requests.Select(r => r.Index).Order(), Is.EqualTo(Enumerable.Range(0, 200)));
    }

    [Test]
    public async Task RecordRequests_Off_RecordsNothingButCounts()
    {
        using var client = new ScriptedChatClient { RecordRequests = false };
        client.EnqueueText("x");

        await client.GetResponseAsync(Hello);

        Assert.That(client.Requests, Is.Empty);
        Assert.That(client.CallCount, Is.EqualTo(1));
        Assert.Throws<InvalidOperationException>(() => _ = client.LastRequest);
    }

    [Test]
    public async Task Reset_ClearsScriptAndRequests()
    {
        using var client = new ScriptedChatClient();
        client.EnqueueText("a").EnqueueText("b");
        await client.GetResponseAsync(Hello);

        client.Reset();

        Assert.That(client.PendingReplies, Is.Zero);
        Assert.That(client.Requests, Is.Empty);
    }

    [Test]
    public void GetService_Metadata_ReturnsProviderAndModel()
    {
        using var client = new ScriptedChatClient("m1");

        var metadata = client.GetService<ChatClientMetadata>();

        Assert.That(metadata?.ProviderName, Is.EqualTo("scripted"));
        Assert.That(metadata?.DefaultModelId, Is.EqualTo("m1"));
        Assert.That(client.GetService<ScriptedChatClient>(), Is.SameAs(client));
        Assert.That(client.GetService(typeof(ChatClientMetadata), "key"), Is.Null);
        Assert.That(client.GetService<ChatOptions>(), Is.Null);
    }

    [Test]
    public void Dispose_SetsIsDisposed()
    {
        var client = new ScriptedChatClient();

        client.Dispose();

        Assert.That(client.IsDisposed, Is.True);
    }

    [Test]
    public void Enqueue_InvalidArguments_Throw()
    {
        using var client = new ScriptedChatClient();

        Assert.That(() => client.EnqueueText(null!), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("text"));
        Assert.That(() => client.EnqueueFunctionCall(" "), Throws.ArgumentException.With.Property("ParamName").EqualTo("name"));
        Assert.That(() => client.EnqueueFunctionCalls([]), Throws.ArgumentException.With.Property("ParamName").EqualTo("calls"));
        Assert.That(() => client.EnqueueException(null!), Throws.ArgumentNullException);
        Assert.That(client.PendingReplies, Is.Zero);
    }
}

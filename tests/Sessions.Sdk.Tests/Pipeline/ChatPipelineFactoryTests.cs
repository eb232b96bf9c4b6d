using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Sessions.Sdk.Tests;

/// <summary>The session pipeline as built on M.E.AI's ChatClientBuilder: tool loop options, middleware hooks, logging and composition.</summary>
public sealed class ChatPipelineFactoryTests
{
    private static readonly AIFunction Add = AIFunctionFactory.Create((int a, int b) => a + b, "add");

    private static Dictionary<string, object?> Args(int a, int b) => new() { ["a"] = a, ["b"] = b };

    [Test]
    public async Task GetResponseAsync_NoToolCall_ReturnsInnerResponseText()
    {
        var inner = PipelineTestChatClient.Scripted(PipelineTestChatClient.Text("hi"));
        var (sp, client, _) = PipelineTestHost.Build(inner);
        using var _ = sp;

        var response = await client.GetResponseAsync("hello");

        Assert.That(response.Text, Is.EqualTo("hi"));
        Assert.That(inner.Calls, Is.EqualTo(1));
    }

    [Test]
    public async Task GetResponseAsync_ModelCallsTool_InvokesItAndSendsResultBack()
    {
        var inner = PipelineTestChatClient.Scripted(PipelineTestChatClient.Call(("c1", "add", Args(2, 3))), PipelineTestChatClient.Text("5"));
        var (sp, client, _) = PipelineTestHost.Build(inner);
        using var _ = sp;

        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "2+3?")], new ChatOptions { Tools = [Add] });

        Assert.That(inner.Calls, Is.EqualTo(2));
        var second = inner.Requests[1].Messages;
        Assert.That(second, Has.Count.EqualTo(3));
        var result = second[2].Contents.OfType<FunctionResultContent>().Single();
        Assert.Multiple(() =>
        {
            Assert.That(second[2].Role, Is.EqualTo(ChatRole.Tool));
            Assert.That(result.CallId, Is.EqualTo("c1"));
            Assert.That(result.Result?.ToString(), Is.EqualTo("5"));
            Assert.That(response.Messages, Has.Count.EqualTo(3), "call, result and answer, like M.E.AI");
            Assert.That(response.Text, Is.EqualTo("5"));
            Assert.That(response.Usage!.InputTokenCount, Is.EqualTo(30), "usage summed over rounds");
        });
    }

    [Test]
    public async Task GetResponseAsync_ConcurrentInvocationOn_RunsSeveralCallsConcurrently()
    {
        var bothStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int started = 0;
        var wait = AIFunctionFactory.Create(async (string name) =>
        {
            if (Interlocked.Increment(ref started) == 2) bothStarted.SetResult();
            await bothStarted.Task.WaitAsync(TimeSpan.FromSeconds(5));
            return name;
        }, "wait");
        var inner = PipelineTestChatClient.Scripted(
            PipelineTestChatClient.Call(("c1", "wait", new() { ["name"] = "x" }), ("c2", "wait", new() { ["name"] = "y" })),
            PipelineTestChatClient.Text("done"));
        var (sp, client, _) = PipelineTestHost.Build(inner, b => b.ConfigureChat(o => o.ToolInvocation.AllowConcurrentInvocation = true));
        using var _ = sp;

        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "go")], new ChatOptions { Tools = [wait] });

        var results = inner.Requests[1].Messages[2].Contents.OfType<FunctionResultContent>().ToList();
        Assert.That(results.Select(r => r.CallId), Is.EqualTo(new[] { "c1", "c2" }), "results keep the calls' order");
        Assert.That(results.Select(r => r.Exception), Is.All.Null);
        Assert.That(response.Text, Is.EqualTo("done"));
    }

    [Test]
    public async Task GetResponseAsync_DefaultOptions_RunsCallsOneAfterAnother()
    {
        int running = 0, maxRunning = 0;
        var slow = AIFunctionFactory.Create(async (string name) =>
        {
            int now = Interlocked.Increment(ref running);
            maxRunning = Math.Max(maxRunning, now);
            await Task.Delay(20);
            Interlocked.Decrement(ref running);
            return name;
        }, "slow");
        var inner = PipelineTestChatClient.Scripted(
            PipelineTestChatClient.Call(("c1", "slow", new() { ["name"] = "x" }), ("c2", "slow", new() { ["name"] = "y" })),
            PipelineTestChatClient.Text("done"));
        var (sp, client, _) = PipelineTestHost.Build(inner);
        using var _ = sp;

        await client.GetResponseAsync([new ChatMessage(ChatRole.User, "go")], new ChatOptions { Tools = [slow] });

        Assert.That(maxRunning, Is.EqualTo(1), "parallel invocation is opt-in, as in M.E.AI");
    }

    [Test]
    public async Task GetResponseAsync_ToolThrowsWithDetailedErrors_ReportsMessageToModelAndContinues()
    {
        var broken = AIFunctionFactory.Create(string () => throw new InvalidOperationException("disk on fire"), "broken");
        var inner = PipelineTestChatClient.Scripted(PipelineTestChatClient.Call(("c1", "broken", null)), PipelineTestChatClient.Text("sorry"));
        var (sp, client, _) = PipelineTestHost.Build(inner, b => b.ConfigureChat(o => o.ToolInvocation.IncludeDetailedErrors = true));
        using var _ = sp;

        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "x")], new ChatOptions { Tools = [broken] });

        var result = inner.Requests[1].Messages[2].Contents.OfType<FunctionResultContent>().Single();
        Assert.Multiple(() =>
        {
            Assert.That(result.Result?.ToString(), Does.StartWith("Error: Function failed.").And.Contain("disk on fire"));
            Assert.That(result.Exception, Is.InstanceOf<InvalidOperationException>());
            Assert.That(response.Text, Is.EqualTo("sorry"));
        });
    }

    [Test]
    public async Task GetResponseAsync_DefaultOptions_HidesExceptionMessageFromModel()
    {
        var broken = AIFunctionFactory.Create(string () => throw new InvalidOperationException("secret path"), "broken");
        var inner = PipelineTestChatClient.Scripted(PipelineTestChatClient.Call(("c1", "broken", null)), PipelineTestChatClient.Text("sorry"));
        var (sp, client, _) = PipelineTestHost.Build(inner);
        using var _ = sp;

        await client.GetResponseAsync([new ChatMessage(ChatRole.User, "x")], new ChatOptions { Tools = [broken] });

        var result = inner.Requests[1].Messages[2].Contents.OfType<FunctionResultContent>().Single();
        Assert.That(result.Result?.ToString(), Is.EqualTo("Error: Function failed."));
    }

    [Test]
    public async Task GetResponseAsync_UnknownFunction_ReportsNotFoundToModel()
    {
        var inner = PipelineTestChatClient.Scripted(PipelineTestChatClient.Call(("c1", "nope", null)), PipelineTestChatClient.Text("ok"));
        var (sp, client, _) = PipelineTestHost.Build(inner);
        using var _ = sp;

        await client.GetResponseAsync([new ChatMessage(ChatRole.User, "x")], new ChatOptions { Tools = [Add] });

        var result = inner.Requests[1].Messages[2].Contents.OfType<FunctionResultContent>().Single();
        Assert.That(result.Result?.ToString(), Is.EqualTo("Error: Requested function \"nope\" not found."));
    }

    [Test]
    public async Task GetResponseAsync_ToolKeepsFailing_RethrowsAfterMaxConsecutiveErrors()
    {
        var broken = AIFunctionFactory.Create(string () => throw new InvalidOperationException("always"), "broken");

        // A fresh call per round: M.E.AI marks the calls it handled as informational.
        var inner = PipelineTestChatClient.Scripted(PipelineTestChatClient.Call(("c1", "broken", null)), PipelineTestChatClient.Call(("c2", "broken", null)), PipelineTestChatClient.Call(("c3", "broken", null)));
        var (sp, client, _) = PipelineTestHost.Build(inner, b => b.ConfigureChat(o => o.ToolInvocation.MaxConsecutiveErrors = 1));
        using var _ = sp;

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            client.GetResponseAsync([new ChatMessage(ChatRole.User, "x")], new ChatOptions { Tools = [broken] }));

        Assert.That(ex!.Message, Is.EqualTo("always"));
        Assert.That(inner.Calls, Is.EqualTo(2));
    }

    [Test]
    public void AddSessions_NegativeMaxConsecutiveErrors_FailsNamingOption()
    {
        var services = new ServiceCollection();
        services.AddSessions().UseMemoryStorage().ConfigureChat(o => o.ToolInvocation.MaxConsecutiveErrors = -1);
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => _ = provider.GetRequiredService<IOptions<ChatPipelineOptions>>().Value);

        Assert.That(ex!.Message, Does.Contain("ToolInvocationOptions.MaxConsecutiveErrors"));
    }

    [Test]
    public async Task ConfigureChatClient_GlobalAndPerProvider_OutermostInRegistrationOrderAndOnlyForThatProvider()
    {
        var order = new List<string>();
        var inner = PipelineTestChatClient.Scripted(PipelineTestChatClient.Text("hi"));
        var (sp, client, _) = PipelineTestHost.Build(inner, b => b
            .ConfigureChatClient("openai", (c, _) => c.Use(x => new RecordingClient(x, "openai-only", order)))
            .ConfigureChatClient("other", (c, _) => c.Use(x => new RecordingClient(x, "other-only", order)))
            .ConfigureChatClient((c, _) => c.Use(x => new RecordingClient(x, "first", order)))
            .ConfigureChatClient((c, services) => c.Use(x => new RecordingClient(x, services.GetRequiredService<TimeProvider>() is not null ? "second" : "?", order))));
        using var _ = sp;

        await client.GetResponseAsync("hello");

        Assert.That(order, Is.EqualTo(new[] { "first", "second", "openai-only" }));
    }

    [Test]
    public async Task ConfigureChatClient_MiddlewareShortCircuits_SessionStoresItsReply()
    {
        var inner = PipelineTestChatClient.Scripted(PipelineTestChatClient.Text("from model"));
        var services = new ServiceCollection();
        services.AddSessions().UseMemoryStorage().AddChatProvider(new TestChatProvider("openai", inner))
            .ConfigureChatClient((c, _) => c.Use(getResponseFunc: (m, o, next, ct) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "cached"))), getStreamingResponseFunc: null));
        using var sp = services.BuildServiceProvider();
        var session = await sp.GetRequiredService<ISessionManager>().Create("s").CreateAsync();

        var response = await session.SendAsync("hi");

        Assert.That(response.Text, Is.EqualTo("cached"));
        Assert.That(inner.Calls, Is.Zero);
        Assert.That((await session.GetMessagesAsync()).Select(m => m.Text), Is.EqualTo(new[] { "hi", "cached" }));
    }

    [Test]
    public async Task Logging_DebugLevel_LogsCallsButNoContent()
    {
        var logs = new CapturingLoggerProvider(LogLevel.Debug);
        var inner = PipelineTestChatClient.Scripted(PipelineTestChatClient.Text("the secret answer"));
        var (sp, client, _) = PipelineTestHost.Build(inner, logs: logs);
        using var _ = sp;

        await client.GetResponseAsync("my private question");

        Assert.That(logs.Entries.Where(e => e.Category.Contains("LoggingChatClient", StringComparison.Ordinal)), Is.Not.Empty, "M.E.AI's LoggingChatClient logs each model call");
        Assert.That(logs.AllText, Does.Not.Contain("private question").And.Not.Contain("secret answer"));
    }

    [Test]
    public async Task Logging_TraceLevel_LogsContent()
    {
        var logs = new CapturingLoggerProvider(LogLevel.Trace);
        var inner = PipelineTestChatClient.Scripted(PipelineTestChatClient.Text("the answer"));
        var (sp, client, _) = PipelineTestHost.Build(inner, logs: logs);
        using var _ = sp;

        await client.GetResponseAsync("my question");

        Assert.That(logs.Entries.Where(e => e.Level == LogLevel.Trace), Is.Not.Empty);
        Assert.That(logs.AllText, Does.Contain("my question").And.Contain("the answer"));
    }

    [Test]
    public async Task Logging_StreamFails_LogsErrorWithException()
    {
        var logs = new CapturingLoggerProvider(LogLevel.Debug);
        var inner = new PipelineTestChatClient { OnGetStreamingResponse = (_, _, _) => throw new ChatProviderException("openai", "boom", 400, false) };
        var (sp, client, _) = PipelineTestHost.Build(inner, logs: logs);
        using var _ = sp;

        await Assert.ThrowsAsync<ChatProviderException>(async () =>
        {
            await foreach (var _ in client.GetStreamingResponseAsync("q"))
            {
            }
        });

        Assert.That(logs.Entries.Where(e => e.Level >= LogLevel.Warning && e.Exception is ChatProviderException), Is.Not.Empty);
    }

    [Test]
    public async Task Pipeline_ApiKeyInConfiguration_NeverAppearsInLogs()
    {
        const string apiKey = "sk-test-4f9a1c7e2b8d6053aa91";
        var logs = new CapturingLoggerProvider(LogLevel.Trace);
        var tool = AIFunctionFactory.Create(string (string city) => throw new InvalidOperationException("weather service down"), "weather");
        int calls = 0;
        var providerClient = new PipelineTestChatClient
        {
            // A provider adapter built from configuration; it translates failures without the key, as adapters must.
            OnGetResponse = (_, _, _) => ++calls switch
            {
                1 => Task.FromException<ChatResponse>(new ChatProviderException("openai", "503 Service Unavailable", 503, true, TimeSpan.FromMilliseconds(1))),
                2 => Task.FromResult(PipelineTestChatClient.Call(("c1", "weather", new() { ["city"] = "Oslo" }))),
                _ => Task.FromResult(PipelineTestChatClient.Text("no weather today")),
            },
        };
        var (sp, client, tools) = PipelineTestHost.Build(providerClient, b => b.AddTool(tool), logs);
        using var _ = sp;

        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "weather in Oslo?")], new ChatOptions { Tools = [.. tools] });

        Assert.That(response.Text, Is.EqualTo("no weather today"));
        Assert.That(logs.Entries.Select(e => e.EventId.Id), Does.Contain(2010), "the retry was logged");
        Assert.That(logs.Entries.Where(e => e.Exception is InvalidOperationException), Is.Not.Empty, "the tool failure was logged");
        Assert.That(logs.Entries.Where(e => e.Level == LogLevel.Trace), Is.Not.Empty, "content was logged at Trace");
        Assert.That(logs.AllText, Does.Not.Contain(apiKey));
        Assert.That(logs.AllText, Does.Not.Contain("4f9a1c7e2b8d6053aa91"));
    }

    private sealed class RecordingClient(IChatClient inner, string name, List<string> order) : DelegatingChatClient(inner)
    {
        public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            order.Add(name);
            return base.GetResponseAsync(messages, options, cancellationToken);
        }
    }
}

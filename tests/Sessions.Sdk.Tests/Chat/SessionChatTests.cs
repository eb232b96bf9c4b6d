using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sessions.Sdk.Testing;

namespace Sessions.Sdk.Tests;

/// <summary>The chat pipeline as sessions use it: tools persisted per round, cost, resilience, context policy, statistics.</summary>
public sealed class SessionChatTests
{
    private static readonly AIFunction Add = AIFunctionFactory.Create((int a, int b) => a + b, "add");

    private static readonly ChatModelInfo FakeModel = new()
    {
        ProviderName = "fake", ModelId = "fake-model", ContextWindow = 8_000, InputPricePerMillion = 3m, OutputPricePerMillion = 15m,
    };

    private static (ServiceProvider Provider, ISessionManager Sessions, ISessionStorage Storage) Create(
        IChatClient client, Action<ISessionsBuilder>? build = null, Action<SessionsOptions>? configure = null)
    {
        var services = new ServiceCollection();
        var builder = services.AddSessions(configure).UseMemoryStorage().AddChatProvider("fake", client, "fake-model")
            .AddModel(FakeModel)
            .ConfigureResilience(o => { o.BaseDelay = TimeSpan.FromMilliseconds(1); o.UseJitter = false; });
        build?.Invoke(builder);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        return (provider, provider.GetRequiredService<ISessionManager>(), provider.GetRequiredService<ISessionStorage>());
    }

    private static Dictionary<string, object?> Args(int a, int b) => new() { ["a"] = a, ["b"] = b };

    [Test]
    public async Task SendAsync_ModelCallsTool_StoresEachRoundBeforeTheNextModelCall()
    {
        var client = new ScriptedChatClient("fake-model");
        var (provider, sessions, storage) = Create(client, b => b.AddTool(Add));
        using var _ = provider;
        IReadOnlyList<SessionMessage>? storedAtSecondCall = null;
        client.EnqueueFunctionCall("add", Args(2, 3), "c1", new UsageDetails { InputTokenCount = 1_000, OutputTokenCount = 10 });
        client.Enqueue(async (_, ct) =>
        {
            storedAtSecondCall = await storage.GetMessagesAsync("s", MessageRange.All, ct);
            return new ChatResponse(new ChatMessage(ChatRole.Assistant, "5")) { ModelId = "fake-model", Usage = new UsageDetails { InputTokenCount = 2_000, OutputTokenCount = 20 } };
        });
        var session = await sessions.Create("s").CreateAsync();

        var response = await session.SendAsync("2+3?");

        Assert.That(storedAtSecondCall!.Select(m => m.Role), Is.EqualTo(new[] { ChatRole.User, ChatRole.Assistant, ChatRole.Tool }), "the round was stored as it completed");
        var stored = await storage.GetMessagesAsync("s", MessageRange.All);
        Assert.Multiple(() =>
        {
            Assert.That(response.Text, Is.EqualTo("5"));
            Assert.That(stored.Select(m => m.Role), Is.EqualTo(new[] { ChatRole.User, ChatRole.Assistant, ChatRole.Tool, ChatRole.Assistant }), "no duplicates of the round");
            Assert.That(stored[2].Message.Contents.OfType<FunctionResultContent>().Single().Result?.ToString(), Is.EqualTo("5"));
            Assert.That(stored[1].Usage!.InputTokens, Is.EqualTo(1_000));
            Assert.That(stored[1].Usage!.Cost, Is.EqualTo(0.00315m), "1,000 × $3/M + 10 × $15/M");
            Assert.That(stored[3].Usage!.Cost, Is.EqualTo(0.0063m));
            Assert.That(stored[3].ProviderName, Is.EqualTo("fake"));
            Assert.That(session.Usage.Cost, Is.EqualTo(0.00945m));
            Assert.That(session.Usage.Requests, Is.EqualTo(2));
            Assert.That(client.Requests[1].Messages.Count(m => m.Role == ChatRole.Tool), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task StreamAsync_ModelCallsTool_StoresRoundThenFinalReplyOnce()
    {
        var client = new ScriptedChatClient("fake-model");
        var (provider, sessions, storage) = Create(client, b => b.AddTool(Add));
        using var _ = provider;
        client.EnqueueStreamUpdates([new ChatResponseUpdate(ChatRole.Assistant, [new FunctionCallContent("c1", "add", Args(20, 22))]) { MessageId = "m1" }]);
        client.EnqueueStream(["the answer ", "is 42"]);
        var session = await sessions.Create("s").CreateAsync();

        var text = string.Empty;
        await foreach (var update in session.StreamAsync("20+22?"))
        {
            if (update.Role != ChatRole.Tool) text += update.Text;
        }

        var stored = await storage.GetMessagesAsync("s", MessageRange.All);
        Assert.That(text, Is.EqualTo("the answer is 42"));
        Assert.That(stored.Select(m => m.Role), Is.EqualTo(new[] { ChatRole.User, ChatRole.Assistant, ChatRole.Tool, ChatRole.Assistant }));
        Assert.That(stored[1].Message.Contents.OfType<FunctionCallContent>().Single().CallId, Is.EqualTo("c1"));
        Assert.That(stored[3].Text, Is.EqualTo("the answer is 42"));
    }

    [Test]
    public async Task SendAsync_TransientFailureThenSuccess_StoresOneReply()
    {
        var client = new ScriptedChatClient("fake-model");
        client.EnqueueException(new ChatProviderException("fake", "503", 503, isTransient: true)).EnqueueText("fine");
        var (provider, sessions, storage) = Create(client);
        using var _ = provider;
        var session = await sessions.Create("s").CreateAsync();

        await session.SendAsync("hi");

        var stored = await storage.GetMessagesAsync("s", MessageRange.All);
        Assert.That(stored.Select(m => m.Text), Is.EqualTo(new[] { "hi", "fine" }));
        Assert.That(client.CallCount, Is.EqualTo(2));
    }

    [Test]
    public async Task SendAsync_FinalFailure_KeepsUserMessageAndThrows()
    {
        var client = new ScriptedChatClient("fake-model");
        for (int i = 0; i < 4; i++) client.EnqueueException(new ChatProviderException("fake", "503", 503, isTransient: true));
        var (provider, sessions, storage) = Create(client);
        using var _ = provider;
        var session = await sessions.Create("s").CreateAsync();

        var ex = await Assert.ThrowsAsync<ChatProviderException>(() => session.SendAsync("hi"));

        Assert.That(ex!.StatusCode, Is.EqualTo(503));
        Assert.That(client.CallCount, Is.EqualTo(4), "one call and three retries");
        Assert.That((await storage.GetMessagesAsync("s", MessageRange.All)).Select(m => m.Text), Is.EqualTo(new[] { "hi" }));
    }

    [Test]
    public async Task SendAsync_PrimaryDown_FallbackProviderAnswersAndIsRecorded()
    {
        var primary = new ScriptedChatClient("fake-model");
        for (int i = 0; i < 2; i++) primary.EnqueueException(new HttpRequestException("connection reset"));
        var backup = new ScriptedChatClient("backup-model").EnqueueText("from backup");
        var (provider, sessions, storage) = Create(primary, b => b
            .AddChatProvider("backup", backup, "backup-model")
            .ConfigureResilience(o => { o.MaxRetryAttempts = 1; o.FallbackProvider = "backup"; }), o => o.DefaultProvider = "fake");
        using var _ = provider;
        var session = await sessions.Create("s").CreateAsync();

        var response = await session.SendAsync("hi");

        var reply = (await storage.GetMessagesAsync("s", MessageRange.Last(1)))[0];
        Assert.That(response.Text, Is.EqualTo("from backup"));
        Assert.That(reply.ProviderName, Is.EqualTo("backup"));
    }

    [Test]
    public async Task SendAsync_PinnedMessageOutsideContextPolicy_IsStillSent()
    {
        var client = new ScriptedChatClient("fake-model").EnqueueText("ok");
        var (provider, sessions, storage) = Create(client, b => b.UseContextPolicy(ChatContextPolicy.TokenBudget(4, _ => 1)));
        using var _ = provider;
        var t = DateTimeOffset.UnixEpoch;
        await storage.CreateAsync(new SessionInfo { Id = "s", CreatedAt = t, UpdatedAt = t, SystemPrompt = "be kind" },
        [
            new SessionMessage { Message = new ChatMessage(ChatRole.User, "my name is Ada"), Timestamp = t, Pinned = true },
            new SessionMessage { Message = new ChatMessage(ChatRole.Assistant, "hi Ada"), Timestamp = t },
            new SessionMessage { Message = new ChatMessage(ChatRole.User, "weather?"), Timestamp = t },
            new SessionMessage { Message = new ChatMessage(ChatRole.Assistant, "sunny"), Timestamp = t },
        ]);
        var session = await sessions.OpenAsync("s");

        await session.SendAsync("my name?");

        Assert.That(client.LastRequest.Messages.Select(m => m.Text), Is.EqualTo(new[] { "be kind", "my name is Ada", "sunny", "my name?" }));
        Assert.That((await storage.GetMessagesAsync("s", MessageRange.All)), Has.Count.EqualTo(6), "the stored transcript stays whole");
    }

    [Test]
    public async Task SendAsync_SessionToolOverridesGlobalToolOfSameName()
    {
        var global = AIFunctionFactory.Create(() => "global", "who");
        var local = AIFunctionFactory.Create(() => "session", "who");
        var client = new ScriptedChatClient("fake-model").EnqueueFunctionCall("who", callId: "c1").EnqueueText("done");
        var (provider, sessions, storage) = Create(client, b => b.AddTool(global));
        using var _ = provider;
        var session = (await sessions.Create("s").CreateAsync()).AddTools(local);

        await session.SendAsync("who?");

        var result = (await storage.GetMessagesAsync("s", MessageRange.All))[2].Message.Contents.OfType<FunctionResultContent>().Single();
        Assert.That(result.Result?.ToString(), Is.EqualTo("session"));
        Assert.That(session.Tools, Is.EqualTo(new[] { local }));
    }

    [Test]
    public async Task SendAsync_ToolsDisabled_SendsNoGlobalTools()
    {
        var client = new ScriptedChatClient("fake-model").EnqueueText("ok");
        var (provider, sessions, _) = Create(client, b => b.AddTool(Add), o => o.ToolsEnabled = false);
        using var __ = provider;
        var session = await sessions.Create("s").CreateAsync();

        await session.SendAsync("hi");

        Assert.That(client.LastRequest.Options?.Tools, Is.Null.Or.Empty);
    }

    [Test]
    public async Task GetStatisticsAsync_AfterToolTurn_SummarizesSession()
    {
        var client = new ScriptedChatClient("fake-model")
            .EnqueueFunctionCall("add", Args(1, 1), "c1", new UsageDetails { InputTokenCount = 100, OutputTokenCount = 10 })
            .EnqueueText("2", new UsageDetails { InputTokenCount = 200, OutputTokenCount = 20 });
        var (provider, sessions, _) = Create(client, b => b.AddTool(Add));
        using var _ = provider;
        var session = await sessions.Create("s").CreateAsync();
        await session.SendAsync("1+1?");

        var stats = await session.GetStatisticsAsync();

        Assert.Multiple(() =>
        {
            Assert.That(stats.MessageCount, Is.EqualTo(4));
            Assert.That(stats.MessagesByRole["tool"], Is.EqualTo(1));
            Assert.That(stats.ToolCallCount, Is.EqualTo(1));
            Assert.That(stats.ModelsUsed, Is.EqualTo(new[] { "fake-model" }));
            Assert.That(stats.Usage.InputTokens, Is.EqualTo(300));
            Assert.That(stats.Usage.Cost, Is.EqualTo((300 * 3m + 30 * 15m) / 1_000_000m));
            Assert.That(stats.AverageResponseTime, Is.Not.Null);
        });
    }

    [Test]
    public async Task SendAsync_TwoCalls_PipelineBuiltOnce()
    {
        var client = new ScriptedChatClient("fake-model").EnqueueText("a").EnqueueText("b");
        var counting = new TestChatProvider("fake", client);
        var services = new ServiceCollection();
        services.AddSessions().UseMemoryStorage().AddChatProvider(counting);
        using var provider = services.BuildServiceProvider();
        var session = await provider.GetRequiredService<ISessionManager>().Create("s").CreateAsync();

        await session.SendAsync("1");
        await session.SendAsync("2");

        Assert.That(counting.ClientsCreated, Is.EqualTo(1));
    }

    [Test]
    public void AddSessions_InvalidResilienceOption_FailsNamingIt()
    {
        var services = new ServiceCollection();
        services.AddSessions().UseMemoryStorage().ConfigureResilience(o => o.FailureRatio = 2);
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => _ = provider.GetRequiredService<IOptions<ChatPipelineOptions>>().Value);

        Assert.That(ex!.Message, Does.Contain("ChatResilienceOptions.FailureRatio"));
    }

    [Test]
    public void AddTool_SameInstanceTwice_RegistersOnce()
    {
        var services = new ServiceCollection();
        services.AddSessions().UseMemoryStorage().AddTool(Add).AddTools(Add, AIFunctionFactory.Create(() => 1, "one"));
        using var provider = services.BuildServiceProvider();

        Assert.That(provider.GetRequiredService<ChatPipelineFactory>().GlobalTools.Select(t => t.Name), Is.EqualTo(new[] { "add", "one" }));
    }
}

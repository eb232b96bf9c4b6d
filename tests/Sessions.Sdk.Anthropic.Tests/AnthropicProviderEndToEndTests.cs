using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Sessions.Sdk.Tests;

/// <summary>Runs sessions end to end through DI, the chat pipeline, the Anthropic provider and the official SDK against a loopback server.</summary>
public sealed class AnthropicProviderEndToEndTests
{
    private const string ApiKey = "sk-ant-e2e-6f7e8d9c0b1a";
    private LoopbackHttpServer _server = null!;

    [SetUp]
    public void SetUp() => _server = new LoopbackHttpServer();

    [TearDown]
    public async Task TearDown() => await _server.DisposeAsync();

    [Test]
    public async Task SendAsync_ThroughDiWithMemoryStorage_StoresReplyWithProviderModelAndUsage()
    {
        _server.EnqueueJson(200, AnthropicWire.Message([AnthropicWire.Text("Hello, human.")], model: "claude-test-2026", inputTokens: 14, outputTokens: 4));
        await using var services = BuildServices();
        var session = await services.GetRequiredService<ISessionManager>().Create().WithSystemPrompt("Be brief.").CreateAsync();

        var reply = await session.SendAsync("hi");

        var messages = await session.GetMessagesAsync();
        var body = _server.Requests.Single().Json;
        Assert.That(messages, Has.Count.EqualTo(2));
        Assert.Multiple(() =>
        {
            Assert.That(reply.Text, Is.EqualTo("Hello, human."));
            Assert.That(messages[1].Role, Is.EqualTo(ChatRole.Assistant));
            Assert.That(messages[1].Text, Is.EqualTo("Hello, human."));
            Assert.That(messages[1].ProviderName, Is.EqualTo("anthropic"));
            Assert.That(messages[1].ModelId, Is.EqualTo("claude-test-2026"));
            Assert.That(messages[1].Usage!.InputTokens, Is.EqualTo(14));
            Assert.That(messages[1].Usage!.OutputTokens, Is.EqualTo(4));
            Assert.That(body.GetProperty("system").ToString(), Does.Contain("Be brief."));
        });
    }

    [Test]
    public async Task StreamAsync_ThroughDi_StoresAssembledReply()
    {
        _server.EnqueueSse(AnthropicWire.TextStream("Str", "eam", "ed"));
        await using var services = BuildServices();
        var session = await services.GetRequiredService<ISessionManager>().Create().CreateAsync();

        var text = "";
        await foreach (var update in session.StreamAsync("hi"))
        {
            text += update.Text;
        }

        var messages = await session.GetMessagesAsync();
        Assert.That(messages, Has.Count.EqualTo(2));
        Assert.Multiple(() =>
        {
            Assert.That(text, Is.EqualTo("Streamed"));
            Assert.That(messages[1].Text, Is.EqualTo("Streamed"));
            Assert.That(messages[1].Usage!.OutputTokens, Is.EqualTo(15));
        });
    }

    [Test]
    public async Task StreamAsync_TruncatedEveryTime_FailsWithTransientErrorAndStoresNoHalfReply()
    {
        for (var i = 0; i < 2; i++)
        {
            _server.EnqueueSse([AnthropicWire.MessageStart(), AnthropicWire.TextBlockStart(0), AnthropicWire.TextDelta(0, "half")]);
        }

        await using var services = BuildServices(r => r.MaxRetryAttempts = 1);
        var session = await services.GetRequiredService<ISessionManager>().Create().CreateAsync();

        var ex = await Assert.CatchAsync(async () =>
        {
            await foreach (var _ in session.StreamAsync("hi"))
            {
            }
        });

        var messages = await session.GetMessagesAsync();
        Assert.Multiple(() =>
        {
            Assert.That(ex, Is.InstanceOf<ChatProviderException>().With.Property(nameof(ChatProviderException.IsTransient)).True);
            Assert.That(messages.Select(m => m.Role), Is.EqualTo(new[] { ChatRole.User }), "the user's message is kept, no half reply is stored");
        });
    }

    [Test]
    public async Task SendAsync_OverloadedOnce_PipelineRetriesAndStoresOneReply()
    {
        _server.EnqueueJson(529, AnthropicWire.Error("overloaded_error", "Overloaded"), new Dictionary<string, string> { ["retry-after"] = "0" });
        _server.EnqueueJson(200, AnthropicWire.Message([AnthropicWire.Text("after retry")]));
        await using var services = BuildServices();
        var session = await services.GetRequiredService<ISessionManager>().Create().CreateAsync();

        await ProviderTestSupport.AssertOneRetryStoresOneReplyAsync(session, _server, "after retry");
    }

    [Test]
    public async Task SendAsync_ModelUsesATool_PipelineRunsItAndSendsTheToolResultBack()
    {
        _server.EnqueueJson(200, AnthropicWire.Message([AnthropicWire.ToolUse("toolu_w1", "get_weather", new { city = "Oslo" })], stopReason: "tool_use"));
        _server.EnqueueJson(200, AnthropicWire.Message([AnthropicWire.Text("Snowing in Oslo.")]));
        await using var services = BuildServices();
        var session = await services.GetRequiredService<ISessionManager>().Create().CreateAsync();
        session.AddTools(AIFunctionFactory.Create((string city) => $"snow in {city}", "get_weather", "Gets the weather."));

        var reply = await session.SendAsync("Weather in Oslo?");

        var messages = _server.Requests[1].Json.GetProperty("messages").EnumerateArray().ToArray();
        var toolResult = messages[2].GetProperty("content").EnumerateArray().Single(b => b.GetProperty("type").GetString() == "tool_result");
        var stored = await session.GetMessagesAsync();
        Assert.Multiple(() =>
        {
            Assert.That(reply.Text, Does.Contain("Snowing in Oslo."));
            Assert.That(messages.Select(m => m.GetProperty("role").GetString()), Is.EqualTo(new[] { "user", "assistant", "user" }));
            Assert.That(toolResult.GetProperty("tool_use_id").GetString(), Is.EqualTo("toolu_w1"));
            Assert.That(toolResult.GetProperty("content").ToString(), Does.Contain("snow in Oslo"));
            Assert.That(stored.Select(m => m.Role), Is.EqualTo(new[] { ChatRole.User, ChatRole.Assistant, ChatRole.Tool, ChatRole.Assistant }));
        });
    }

    private ServiceProvider BuildServices(Action<ChatResilienceOptions>? resilience = null)
    {
        var services = new ServiceCollection();
        services.AddSessions()
            .UseMemoryStorage()
            .ConfigureResilience(r =>
            {
                r.BaseDelay = TimeSpan.FromMilliseconds(10);
                r.UseJitter = false;
                resilience?.Invoke(r);
            })
            .AddAnthropicProvider(configure: o =>
            {
                o.BaseUrl = _server.BaseAddress;
                o.ApiKey = ApiKey;
                o.DefaultModel = "claude-test";
                o.Timeout = TimeSpan.FromSeconds(20);
            });
        return services.BuildServiceProvider();
    }
}

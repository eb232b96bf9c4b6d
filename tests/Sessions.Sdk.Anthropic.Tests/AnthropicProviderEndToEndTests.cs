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

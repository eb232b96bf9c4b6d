using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Sessions.Sdk.Tests;

/// <summary>Runs sessions end to end through DI, the chat pipeline, the OpenAI provider and the official SDK against a loopback server.</summary>
public sealed class OpenAIProviderEndToEndTests
{
    private const string ApiKey = "sk-test-e2e-91a2b3c4d5e6";
    private LoopbackHttpServer _server = null!;
    private string _directory = null!;

    [SetUp]
    public void SetUp()
    {
        _server = new LoopbackHttpServer();
        _directory = Path.Combine(Path.GetTempPath(), "sessions-openai-e2e-" + Guid.NewGuid().ToString("N"));
    }

    [TearDown]
    public async Task TearDown()
    {
        await _server.DisposeAsync();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Test]
    public async Task SendAsync_ThroughDiWithMemoryStorage_StoresReplyWithProviderModelAndUsage()
    {
        _server.EnqueueJson(200, OpenAIWire.Completion("Hi! How can I help?", model: "gpt-test-2025", promptTokens: 9, completionTokens: 6));
        await using var services = BuildServices(b => b.UseMemoryStorage());
        var manager = services.GetRequiredService<ISessionManager>();
        var session = await manager.Create().WithSystemPrompt("Be brief.").CreateAsync();

        var reply = await session.SendAsync("hi");

        var messages = await session.GetMessagesAsync();
        var requestMessages = _server.Requests.Single().Json.GetProperty("messages");
        Assert.That(messages, Has.Count.EqualTo(2));
        Assert.Multiple(() =>
        {
            Assert.That(reply.Text, Is.EqualTo("Hi! How can I help?"));
            Assert.That(messages[0].Role, Is.EqualTo(ChatRole.User));
            Assert.That(messages[1].Role, Is.EqualTo(ChatRole.Assistant));
            Assert.That(messages[1].Text, Is.EqualTo("Hi! How can I help?"));
            Assert.That(messages[1].ProviderName, Is.EqualTo("openai"));
            Assert.That(messages[1].ModelId, Is.EqualTo("gpt-test-2025"));
            Assert.That(messages[1].Usage!.InputTokens, Is.EqualTo(9));
            Assert.That(messages[1].Usage!.OutputTokens, Is.EqualTo(6));
            Assert.That(session.Usage.TotalTokens, Is.EqualTo(15));
            Assert.That(requestMessages[0].GetProperty("role").GetString(), Is.EqualTo("system"));
            Assert.That(requestMessages[1].GetProperty("role").GetString(), Is.EqualTo("user"));
        });
    }

    [Test]
    public async Task StreamAsync_ThroughDi_StoresAssembledReplyWithUsage()
    {
        _server.EnqueueSse(OpenAIWire.TextStream("Str", "eam", "ed"));
        await using var services = BuildServices(b => b.UseMemoryStorage());
        var session = await services.GetRequiredService<ISessionManager>().Create().CreateAsync();

        var text = string.Concat(await ToListAsync(session.StreamAsync("hi")));

        var messages = await session.GetMessagesAsync();
        Assert.That(messages, Has.Count.EqualTo(2));
        Assert.Multiple(() =>
        {
            Assert.That(text, Is.EqualTo("Streamed"));
            Assert.That(messages[1].Text, Is.EqualTo("Streamed"));
            Assert.That(messages[1].ModelId, Is.EqualTo("gpt-test"));
            Assert.That(messages[1].Usage!.TotalTokens, Is.EqualTo(8));
        });
    }

    [Test]
    public async Task SendAsync_RateLimitedOnce_PipelineRetriesAndStoresOneReply()
    {
        _server.EnqueueJson(429, """{"error":{"message":"Rate limit reached"}}""", new Dictionary<string, string> { ["retry-after-ms"] = "10" });
        _server.EnqueueJson(200, OpenAIWire.Completion("after retry"));
        await using var services = BuildServices(b => b.UseMemoryStorage().ConfigureResilience(r =>
        {
            r.BaseDelay = TimeSpan.FromMilliseconds(10);
            r.UseJitter = false;
        }));
        var session = await services.GetRequiredService<ISessionManager>().Create().CreateAsync();

        await ProviderTestSupport.AssertOneRetryStoresOneReplyAsync(session, _server, "after retry");
    }

    [Test]
    public async Task SendAsync_ModelCallsATool_PipelineRunsItAndSendsTheResultBack()
    {
        _server.EnqueueJson(200, OpenAIWire.Completion(
            finishReason: "tool_calls",
            toolCalls: [OpenAIWire.ToolCall("call_w1", "get_weather", """{"city":"Paris"}""")]));
        _server.EnqueueJson(200, OpenAIWire.Completion("It is sunny in Paris."));
        await using var services = BuildServices(b => b.UseMemoryStorage());
        var session = await services.GetRequiredService<ISessionManager>().Create().CreateAsync();
        session.AddTools(AIFunctionFactory.Create((string city) => $"sunny in {city}", "get_weather", "Gets the weather."));

        var reply = await session.SendAsync("Weather in Paris?");

        var second = _server.Requests[1].Json.GetProperty("messages").EnumerateArray().ToArray();
        var toolMessage = second.Single(m => m.GetProperty("role").GetString() == "tool");
        var stored = await session.GetMessagesAsync();
        Assert.Multiple(() =>
        {
            Assert.That(reply.Text, Does.Contain("It is sunny in Paris."));
            Assert.That(_server.Requests[0].Json.GetProperty("tools")[0].GetProperty("function").GetProperty("name").GetString(), Is.EqualTo("get_weather"));
            Assert.That(second.Select(m => m.GetProperty("role").GetString()), Is.EqualTo(new[] { "user", "assistant", "tool" }));
            Assert.That(second[1].GetProperty("tool_calls")[0].GetProperty("id").GetString(), Is.EqualTo("call_w1"));
            Assert.That(toolMessage.GetProperty("tool_call_id").GetString(), Is.EqualTo("call_w1"));
            Assert.That(toolMessage.GetProperty("content").GetString(), Does.Contain("sunny in Paris"));
            Assert.That(stored.Select(m => m.Role), Is.EqualTo(new[] { ChatRole.User, ChatRole.Assistant, ChatRole.Tool, ChatRole.Assistant }));
            Assert.That(stored[^1].Text, Is.EqualTo("It is sunny in Paris."));
        });
    }

    [Test]
    public async Task SendAsync_WithFileStorage_NeverWritesTheApiKeyEvenWhenTheServerEchoesIt()
    {
        _server.EnqueueJson(200, OpenAIWire.Completion("stored on disk"));
        _server.EnqueueJson(401, $$$"""{"error":{"message":"Incorrect API key provided: {{{ApiKey}}}"}}""");
        await using (var services = BuildServices(b => b.UseFileStorage(_directory)))
        {
            var session = await services.GetRequiredService<ISessionManager>().Create().WithTitle("secret check").CreateAsync();
            await session.SendAsync("first");

            var ex = await Assert.CatchAsync(async () => await session.SendAsync("second"));

            Assert.That(ex, Is.Not.Null);
            Assert.That(ex!.ToString(), Does.Not.Contain(ApiKey));
        }

        var files = Directory.EnumerateFiles(_directory, "*", SearchOption.AllDirectories).ToArray();
        Assert.That(files, Is.Not.Empty);
        foreach (var file in files)
        {
            Assert.That(await File.ReadAllTextAsync(file), Does.Not.Contain(ApiKey), file);
        }

        TestContext.Out.WriteLine($"checked {files.Length} files written by the run for the API key: none contained it");
    }

    [Test]
    [NonParallelizable]
    public async Task SendAsync_OneProviderWithoutItsKey_OnlyThatProvidersCallsFailWithOneLineNamingTheSetting()
    {
        using var env = new EnvironmentScope(("OPENAI_API_KEY", null), ("OPENAI_BASE_URL", null));

        // Startup validation, the manager, listing and the other provider all work without OPENAI_API_KEY.
        var ex = await ProviderTestSupport.AssertKeylessProviderLeavesOthersWorkingAsync(
            b => b.AddOpenAIProvider(),
            manager => manager.Create().WithProvider("openai", "gpt-4o-mini").CreateAsync());

        Assert.Multiple(() =>
        {
            Assert.That(ex.Message, Does.Contain("OPENAI_API_KEY").And.Contain("OpenAIProviderOptions.ApiKey"));
            Assert.That(ex.Message, Does.Not.Contain("\n"));
            Assert.That(ex.ProviderName, Is.EqualTo("openai"));
            Assert.That(_server.Requests, Is.Empty);
        });
    }

    [Test]
    public async Task SendAsync_NoProviderRegistered_MessageNamesRegistrationMethodsThatExist()
    {
        var services = new ServiceCollection();
        services.AddSessions().UseMemoryStorage();
        await using var provider = services.BuildServiceProvider();
        var session = await provider.GetRequiredService<ISessionManager>().Create().CreateAsync();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => session.SendAsync("hi"));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Message, Does.Contain("AddChatProvider").And.Contain("AddOpenAIProvider").And.Contain("AddAnthropicProvider"));
            Assert.That(ex.Message, Does.Not.Contain("UseOpenAI").And.Not.Contain("UseAnthropic"));
            Assert.That(typeof(OpenAISessionsBuilderExtensions).GetMethod(nameof(OpenAISessionsBuilderExtensions.AddOpenAIProvider), [typeof(ISessionsBuilder), typeof(string), typeof(Action<OpenAIProviderOptions>)]), Is.Not.Null);
        });
    }

    private ServiceProvider BuildServices(Action<ISessionsBuilder> storage)
    {
        var services = new ServiceCollection();
        var builder = services.AddSessions()
            .AddOpenAIProvider(configure: o =>
            {
                o.Endpoint = new Uri(_server.BaseAddress, "v1");
                o.ApiKey = ApiKey;
                o.DefaultModel = "gpt-test";
                o.NetworkTimeout = TimeSpan.FromSeconds(20);
            });
        storage(builder);
        return services.BuildServiceProvider();
    }

    private static async Task<List<string>> ToListAsync(IAsyncEnumerable<ChatResponseUpdate> updates)
    {
        var texts = new List<string>();
        await foreach (var update in updates)
        {
            texts.Add(update.Text);
        }

        return texts;
    }
}

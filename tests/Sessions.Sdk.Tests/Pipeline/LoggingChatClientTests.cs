using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Sessions.Sdk.Tests;

public sealed class LoggingChatClientTests
{
    [Test]
    public async Task GetResponseAsync_DebugLevel_LogsTimingButNoContent()
    {
        var logs = new CapturingLoggerProvider(LogLevel.Debug);
        var inner = PipelineTestChatClient.Scripted(PipelineTestChatClient.Text("the secret answer"));
        var client = new LoggingChatClient(inner, logs.CreateLogger("x"), "openai");

        await client.GetResponseAsync("my private question");

        Assert.That(logs.Entries.Select(e => e.EventId.Id), Is.EqualTo(new[] { 2001 }));
        Assert.That(logs.AllText, Does.Not.Contain("private question").And.Not.Contain("secret answer"));
    }

    [Test]
    public async Task GetResponseAsync_TraceLevel_LogsContent()
    {
        var logs = new CapturingLoggerProvider(LogLevel.Trace);
        var inner = PipelineTestChatClient.Scripted(PipelineTestChatClient.Text("the answer"));
        var client = new LoggingChatClient(inner, logs.CreateLogger("x"), "openai");

        await client.GetResponseAsync("my question");

        Assert.That(logs.Entries.Where(e => e.Level == LogLevel.Trace).Select(e => e.EventId.Id), Is.EqualTo(new[] { 2003, 2004 }));
        Assert.That(logs.AllText, Does.Contain("my question").And.Contain("the answer"));
    }

    [Test]
    public async Task GetStreamingResponseAsync_Failure_LogsWarningWithException()
    {
        var logs = new CapturingLoggerProvider(LogLevel.Debug);
        var inner = new PipelineTestChatClient { OnGetStreamingResponse = (_, _, _) => throw new ChatProviderException("openai", "boom", 500, true) };
        var client = new LoggingChatClient(inner, logs.CreateLogger("x"), "openai");

        await Assert.ThrowsAsync<ChatProviderException>(async () =>
        {
            await foreach (var _ in client.GetStreamingResponseAsync("q"))
            {
            }
        });

        Assert.That(logs.Entries.Single().EventId.Id, Is.EqualTo(2002));
        Assert.That(logs.Entries.Single().Level, Is.EqualTo(LogLevel.Warning));
    }

    [Test]
    public async Task Pipeline_ApiKeyInConfiguration_NeverAppearsInLogs()
    {
        const string apiKey = "sk-test-4f9a1c7e2b8d6053aa91";
        var config = new Dictionary<string, string?> { ["Providers:openai:ApiKey"] = apiKey };
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
        var services = new ServiceCollection();
        services.AddSingleton<ILoggerFactory>(logs);
        services.AddSingleton<IChatProvider>(new TestChatProvider("openai", providerClient, config["Providers:openai:ApiKey"]!));
        var builder = new TestSessionsBuilder(services);
        builder.AddTool(tool).ConfigureResilience(o => { o.BaseDelay = TimeSpan.FromMilliseconds(1); o.UseJitter = false; });
        using var sp = services.BuildServiceProvider();
        var factory = sp.GetRequiredService<ChatPipelineFactory>();
        var pipeline = factory.GetPipeline(sp.GetRequiredService<IChatProvider>(), "gpt-test");

        var response = await pipeline.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "weather in Oslo?")], new ChatOptions { Tools = [.. factory.GlobalTools] });

        Assert.That(response.Text, Is.EqualTo("no weather today"));
        Assert.That(logs.Entries.Select(e => e.EventId.Id), Does.Contain(2010).And.Contain(2024).And.Contain(2003), "retry, tool failure and Trace content were logged");
        Assert.That(logs.AllText, Does.Not.Contain(apiKey));
        Assert.That(logs.AllText, Does.Not.Contain("4f9a1c7e2b8d6053aa91"));
    }
}

/// <summary>A provider over a fixed client that holds an API key like real adapters do.</summary>
internal sealed class TestChatProvider(string name, IChatClient client, string? apiKey = null, string? defaultModelId = "fake-model") : IChatProvider
{
    public string Name { get; } = name;

    public string? DefaultModelId { get; } = defaultModelId;

    public string? ApiKey { get; } = apiKey;

    public int ClientsCreated { get; private set; }

    public IChatClient GetChatClient(string? modelId = null)
    {
        ClientsCreated++;
        return client;
    }
}

/// <summary>A minimal <see cref="ISessionsBuilder"/> for testing the builder extensions alone.</summary>
internal sealed class TestSessionsBuilder(IServiceCollection services) : ISessionsBuilder
{
    public IServiceCollection Services { get; } = services;
}

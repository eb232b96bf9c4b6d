using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Sessions.Sdk.Testing;

namespace Sessions.Sdk.Tests;

/// <summary>Keeps the README's chat examples compiling and working (with scripted models instead of real providers).</summary>
public sealed class ChatReadmeExamplesTests
{
    [Test]
    public async Task ReadmeExample_ToolsModelsPolicyResilience_Works()
    {
        var openAiClient = new ScriptedChatClient("gpt-4o")
            .EnqueueFunctionCall("get_weather", new Dictionary<string, object?> { ["city"] = "Oslo" }, usage: new UsageDetails { InputTokenCount = 50, OutputTokenCount = 5 })
            .EnqueueText("Sunny in Oslo.", new UsageDetails { InputTokenCount = 80, OutputTokenCount = 6 });
        var ollamaClient = new ScriptedChatClient("llama3.2");

        var services = new ServiceCollection();
        services.AddSessions(o =>
            {
                o.DefaultProvider = "openai";
                o.SystemPrompt = "You are a helpful assistant.";
                o.MaxHistoryMessages = 50;     // read at most 50 stored messages per call
                o.MaxToolIterations = 5;
            })
            .UseMemoryStorage()
            .AddChatProvider("openai", openAiClient, "gpt-4o")
            .AddChatProvider("ollama", ollamaClient, "llama3.2")
            .AddTool(AIFunctionFactory.Create((string city) => $"Sunny in {city}", "get_weather", "Gets the weather for a city."))
            .AddModel(new ChatModelInfo { ProviderName = "openai", ModelId = "gpt-4o", ContextWindow = 128_000, MaxOutputTokens = 16_384, InputPricePerMillion = 2.50m, OutputPricePerMillion = 10m })
            .UseContextPolicy(ChatContextPolicy.TokenBudget())   // the model's window from the catalog
            .ConfigureResilience(o =>
            {
                o.MaxRetryAttempts = 3;
                o.AttemptTimeout = TimeSpan.FromSeconds(60);
                o.FallbackProvider = "ollama";
            });
        await using var provider = services.BuildServiceProvider();
        var sessions = provider.GetRequiredService<ISessionManager>();

        var session = await sessions.Create().WithTitle("Weather").CreateAsync();
        session.AddTools(AIFunctionFactory.Create(() => "Europe/Oslo", "get_time_zone"));   // this session only
        var reply = await session.SendAsync("What's the weather in Oslo?");
        var stats = await session.GetStatisticsAsync();

        Assert.That(reply.Text, Is.EqualTo("Sunny in Oslo."));
        Assert.That(session.Usage.Cost, Is.EqualTo(((50 + 80) * 2.50m + (5 + 6) * 10m) / 1_000_000m));
        Assert.That(stats.MessagesByRole["tool"], Is.EqualTo(1));
        Assert.That(stats.Usage.TotalTokens, Is.EqualTo(141));
    }

    [Test]
    public async Task ReadmeExample_StandalonePipeline_Works()
    {
        IChatClient innerClient = new ScriptedChatClient("gpt-4o").EnqueueText("hello");

        IChatClient client = new ChatClientBuilder(innerClient)
            .UseContextPolicy(ChatContextPolicy.TokenBudget(8_000))              // pinned- and tool-pair-safe reducer
            .UseFunctionInvocation(configure: f => f.MaximumIterationsPerRequest = 5)
            .UseLogging(NullLoggerFactory.Instance)                             // content only at Trace
            .UseResilience("openai", o => o.MaxRetryAttempts = 2)               // Polly: retries, timeouts, circuit breaker, fallback
            .UseOpenTelemetry(sourceName: SessionsTelemetry.ActivitySourceName)
            .Build();

        var response = await client.GetResponseAsync("hi");

        Assert.That(response.Text, Is.EqualTo("hello"));
    }
}

using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Sessions.Sdk.Tests;

/// <summary>Builds the pipeline sessions use (through AddSessions) around a fake provider client, for testing the pipeline alone.</summary>
internal static class PipelineTestHost
{
    public static (ServiceProvider Services, IChatClient Client, IReadOnlyList<AITool> Tools) Build(
        IChatClient inner, Action<ISessionsBuilder>? build = null, ILoggerFactory? logs = null, Action<SessionsOptions>? configure = null, string providerName = "openai")
    {
        var services = new ServiceCollection();
        if (logs is not null)
        {
            services.AddSingleton(logs);
        }

        var builder = services.AddSessions(configure).UseMemoryStorage().AddChatProvider(new TestChatProvider(providerName, inner, "sk-test-4f9a1c7e2b8d6053aa91"))
            .ConfigureResilience(o => { o.BaseDelay = TimeSpan.FromMilliseconds(1); o.UseJitter = false; });
        build?.Invoke(builder);
        var sp = services.BuildServiceProvider();
        var factory = sp.GetRequiredService<ChatPipelineFactory>();
        var pipeline = factory.GetPipeline(sp.GetServices<IChatProvider>().Single(p => p.Name == providerName), "gpt-test");
        return (sp, pipeline.Client, factory.GlobalTools);
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

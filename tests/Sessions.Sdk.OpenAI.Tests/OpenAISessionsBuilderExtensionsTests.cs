using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Moq;

namespace Sessions.Sdk.Tests;

/// <summary>Checks AddOpenAIProvider's registration, defaults from the environment and configuration, and validation.</summary>
[NonParallelizable]
public sealed class OpenAISessionsBuilderExtensionsTests
{
    private const string ApiKey = "sk-test-env-5a6b7c8d9e0f";

    [Test]
    public async Task AddOpenAIProvider_NoOptionsGiven_UsesOpenAIApiKeyAndBaseUrlFromEnvironment()
    {
        await using var server = new LoopbackHttpServer();
        server.EnqueueJson(200, OpenAIWire.Completion("from env"));
        using var env = new EnvironmentScope(("OPENAI_API_KEY", ApiKey), ("OPENAI_BASE_URL", new Uri(server.BaseAddress, "v1").ToString()));
        await using var services = BuildServices(b => b.AddOpenAIProvider());

        var provider = services.GetRequiredService<IChatProvider>();
        var response = await provider.GetChatClient("env-model").GetResponseAsync("hi");

        var request = server.Requests.Single();
        Assert.Multiple(() =>
        {
            Assert.That(provider.Name, Is.EqualTo("openai"));
            Assert.That(response.Text, Is.EqualTo("from env"));
            Assert.That(request.Path, Is.EqualTo("/v1/chat/completions"));
            Assert.That(request.Header("Authorization"), Is.EqualTo($"Bearer {ApiKey}"));
            Assert.That(request.Json.GetProperty("model").GetString(), Is.EqualTo("env-model"));
        });
    }

    [Test]
    public async Task AddOpenAIProvider_ConfigurationHasKeys_PrefersConfigurationOverEnvironment()
    {
        await using var server = new LoopbackHttpServer();
        server.EnqueueJson(200, OpenAIWire.Completion("from config"));
        using var env = new EnvironmentScope(("OPENAI_API_KEY", "sk-env-other"), ("OPENAI_BASE_URL", "http://127.0.0.1:1/v1"));
        var configuration = new Mock<IConfiguration>();
        configuration.Setup(c => c["OPENAI_API_KEY"]).Returns(ApiKey);
        configuration.Setup(c => c["OPENAI_BASE_URL"]).Returns(new Uri(server.BaseAddress, "v1").ToString());
        await using var services = BuildServices(b => b.AddOpenAIProvider(), s => s.AddSingleton(configuration.Object));

        await services.GetRequiredService<IChatProvider>().GetChatClient().GetResponseAsync("hi");

        Assert.That(server.Requests.Single().Header("Authorization"), Is.EqualTo($"Bearer {ApiKey}"));
    }

    [Test]
    public async Task AddOpenAIProvider_LocalServerWithoutKey_SendsPlaceholderCredential()
    {
        await using var server = new LoopbackHttpServer();
        server.EnqueueJson(200, OpenAIWire.Completion("local"));
        using var env = new EnvironmentScope(("OPENAI_API_KEY", null), ("OPENAI_BASE_URL", null));
        await using var services = BuildServices(b => b.AddOpenAIProvider("ollama", o =>
        {
            o.Endpoint = new Uri(server.BaseAddress, "v1");
            o.DefaultModel = "llama3.2";
        }));

        var provider = services.GetRequiredService<IChatProvider>();
        var response = await provider.GetChatClient().GetResponseAsync("hi");

        Assert.Multiple(() =>
        {
            Assert.That(provider.Name, Is.EqualTo("ollama"));
            Assert.That(provider.DefaultModelId, Is.EqualTo("llama3.2"));
            Assert.That(response.Text, Is.EqualTo("local"));
            Assert.That(server.Requests.Single().Header("Authorization"), Is.EqualTo($"Bearer {OpenAIChatProvider.PlaceholderApiKey}"));
        });
    }

    [Test]
    public async Task AddOpenAIProvider_OfficialEndpointWithoutKey_ResolvesAndFailsFirstCallNamingApiKey()
    {
        using var env = new EnvironmentScope(("OPENAI_API_KEY", null), ("OPENAI_BASE_URL", null));
        await using var services = BuildServices(b => b.AddOpenAIProvider());

        var ex = await ProviderTestSupport.AssertKeyMissingFailsOnlyTheFirstCallAsync(services, "openai");

        Assert.That(ex.Message, Does.Contain("OPENAI_API_KEY").And.Contain("OpenAIProviderOptions.ApiKey").And.Contain("AddOpenAIProvider"));
    }

    [Test]
    public async Task AddOpenAIProvider_BoundFromConfigurationSection_UsesBoundEndpointModelKeyAndTimeout()
    {
        await using var server = new LoopbackHttpServer();
        server.EnqueueJson(200, OpenAIWire.Completion("bound"));
        using var env = new EnvironmentScope(("OPENAI_API_KEY", null), ("OPENAI_BASE_URL", null));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Providers:local:Endpoint"] = new Uri(server.BaseAddress, "v1").ToString(),
            ["Providers:local:ApiKey"] = ApiKey,
            ["Providers:local:DefaultModel"] = "bound-model",
            ["Providers:local:NetworkTimeout"] = "00:00:20",
        }).Build();
        await using var services = BuildServices(b => b.AddOpenAIProvider("local", configuration.GetSection("Providers:local")));

        await services.GetRequiredService<IAsyncStartupValidator>().ValidateAsync(CancellationToken.None);
        var provider = services.GetRequiredService<IChatProvider>();
        var response = await provider.GetChatClient().GetResponseAsync("hi");

        var request = server.Requests.Single();
        Assert.Multiple(() =>
        {
            Assert.That(provider.Name, Is.EqualTo("local"));
            Assert.That(provider.DefaultModelId, Is.EqualTo("bound-model"));
            Assert.That(response.Text, Is.EqualTo("bound"));
            Assert.That(request.Header("Authorization"), Is.EqualTo($"Bearer {ApiKey}"));
            Assert.That(request.Json.GetProperty("model").GetString(), Is.EqualTo("bound-model"));
            Assert.That(services.GetRequiredService<IOptionsMonitor<OpenAIProviderOptions>>().Get("local").NetworkTimeout, Is.EqualTo(TimeSpan.FromSeconds(20)));
        });
    }

    [Test]
    public async Task AddOpenAIProvider_BoundInvalidValues_FailStartupValidationNamingEachOption()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Endpoint"] = "ftp://example.test/v1",
            ["ApiKey"] = ApiKey,
            ["NetworkTimeout"] = "-00:00:05",
        }).Build();
        await using var services = BuildServices(b => b.AddOpenAIProvider("openai", configuration));

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(async () => await services.GetRequiredService<IAsyncStartupValidator>().ValidateAsync(CancellationToken.None));

        Assert.That(ex!.Message, Does.Contain("OpenAIProviderOptions.Endpoint").And.Contain("OpenAIProviderOptions.NetworkTimeout"));
    }

    [TestCase(0)]
    [TestCase(-5)]
    public void AddOpenAIProvider_NonPositiveNetworkTimeout_FailsValidationNamingOption(int seconds)
    {
        using var services = BuildServices(b => b.AddOpenAIProvider(configure: o =>
        {
            o.ApiKey = ApiKey;
            o.NetworkTimeout = TimeSpan.FromSeconds(seconds);
        }));

        var ex = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IChatProvider>());

        Assert.That(ex!.Message, Does.Contain("OpenAIProviderOptions.NetworkTimeout"));
    }

    [Test]
    public void AddOpenAIProvider_RelativeOrNonHttpEndpoint_FailsValidationNamingEndpoint()
    {
        using var services = BuildServices(b => b.AddOpenAIProvider(configure: o =>
        {
            o.ApiKey = ApiKey;
            o.Endpoint = new Uri("ftp://example.test/v1");
        }));

        var ex = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IChatProvider>());

        Assert.That(ex!.Message, Does.Contain("OpenAIProviderOptions.Endpoint"));
    }

    [Test]
    public void AddOpenAIProvider_CalledTwiceWithSameName_RegistersOneProviderWithBothConfigurations()
    {
        using var services = BuildServices(b => b
            .AddOpenAIProvider("local", o => o.Endpoint = new Uri("http://127.0.0.1:9/v1"))
            .AddOpenAIProvider("LOCAL", o => o.DefaultModel = "qwen"));

        var providers = services.GetServices<IChatProvider>().ToArray();

        Assert.That(providers, Has.Length.EqualTo(1));
        Assert.That(providers[0].DefaultModelId, Is.EqualTo("qwen"));
    }

    [Test]
    public void AddOpenAIProvider_TwoNames_RegistersTwoSingletonProviders()
    {
        using var services = BuildServices(b => b
            .AddOpenAIProvider("openai", o => o.ApiKey = ApiKey)
            .AddOpenAIProvider("vllm", o => o.Endpoint = new Uri("http://127.0.0.1:8000/v1")));

        var providers = services.GetServices<IChatProvider>().ToArray();

        Assert.That(providers.Select(p => p.Name), Is.EquivalentTo(new[] { "openai", "vllm" }));
        Assert.That(services.GetServices<IChatProvider>().First(), Is.SameAs(providers[0]));
    }

    [Test]
    public void GetChatClient_SameModelTwice_ReturnsCachedClientPerModel()
    {
        using var services = BuildServices(b => b.AddOpenAIProvider(configure: o => o.ApiKey = ApiKey));
        var provider = services.GetRequiredService<IChatProvider>();

        var first = provider.GetChatClient("m1");
        var again = provider.GetChatClient("m1");
        var other = provider.GetChatClient("m2");
        var defaultClient = provider.GetChatClient();

        Assert.Multiple(() =>
        {
            Assert.That(again, Is.SameAs(first));
            Assert.That(other, Is.Not.SameAs(first));
            Assert.That(defaultClient.GetService<ChatClientMetadata>()!.DefaultModelId, Is.EqualTo("gpt-4o-mini"));
            Assert.That(defaultClient.GetService<ChatClientMetadata>()!.ProviderUri, Is.EqualTo(OpenAIProviderOptions.DefaultEndpoint));
        });
    }

    [Test]
    public void GetChatClient_NoModelAnywhere_ThrowsChatProviderExceptionNamingTheFix()
    {
        using var services = BuildServices(b => b.AddOpenAIProvider(configure: o =>
        {
            o.ApiKey = ApiKey;
            o.DefaultModel = null;
        }));

        var ex = Assert.Throws<ChatProviderException>(() => services.GetRequiredService<IChatProvider>().GetChatClient());

        Assert.That(ex!.Message, Does.Contain("OpenAIProviderOptions.DefaultModel"));
    }

    [Test]
    public void AddOpenAIProvider_InvalidArguments_Throw()
    {
        var builder = new TestSessionsBuilder(new ServiceCollection());

        Assert.Multiple(() =>
        {
            Assert.That(() => ((ISessionsBuilder)null!).AddOpenAIProvider(), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("builder"));
            Assert.That(() => builder.AddOpenAIProvider(" "), Throws.ArgumentException.With.Property("ParamName").EqualTo("name"));
            Assert.That(() => ((ISessionsBuilder)null!).AddOpenAIProvider("openai", new ConfigurationBuilder().Build()), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("builder"));
            Assert.That(() => builder.AddOpenAIProvider("openai", (IConfiguration)null!), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("configuration"));
        });
    }

    [Test]
    public void ToString_WithApiKey_NeverShowsTheKey()
    {
        var options = new OpenAIProviderOptions { ApiKey = ApiKey, Endpoint = new Uri("http://127.0.0.1:11434/v1") };

        var text = options.ToString();

        Assert.That(text, Does.Not.Contain(ApiKey).And.Contain("127.0.0.1:11434").And.Contain("***"));
    }

    private static ServiceProvider BuildServices(Action<ISessionsBuilder> configure, Action<IServiceCollection>? extra = null) =>
        ProviderTestSupport.BuildServices(configure, extra);
}

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
    public void AddOpenAIProvider_OfficialEndpointWithoutKey_FailsValidationNamingApiKey()
    {
        using var env = new EnvironmentScope(("OPENAI_API_KEY", null), ("OPENAI_BASE_URL", null));
        using var services = BuildServices(b => b.AddOpenAIProvider());

        var ex = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IChatProvider>());

        Assert.That(ex!.Message, Does.Contain("OpenAIProviderOptions.ApiKey").And.Contain("OPENAI_API_KEY"));
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
    public void GetChatClient_NoModelAnywhere_ThrowsInvalidOperationNamingTheFix()
    {
        using var services = BuildServices(b => b.AddOpenAIProvider(configure: o =>
        {
            o.ApiKey = ApiKey;
            o.DefaultModel = null;
        }));

        var ex = Assert.Throws<InvalidOperationException>(() => services.GetRequiredService<IChatProvider>().GetChatClient());

        Assert.That(ex!.Message, Does.Contain("DefaultModel"));
    }

    [Test]
    public void AddOpenAIProvider_InvalidArguments_Throw()
    {
        var builder = new TestSessionsBuilder(new ServiceCollection());

        Assert.Multiple(() =>
        {
            Assert.That(() => ((ISessionsBuilder)null!).AddOpenAIProvider(), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("builder"));
            Assert.That(() => builder.AddOpenAIProvider(" "), Throws.ArgumentException.With.Property("ParamName").EqualTo("name"));
        });
    }

    [Test]
    public void ToString_WithApiKey_NeverShowsTheKey()
    {
        var options = new OpenAIProviderOptions { ApiKey = ApiKey, Endpoint = new Uri("http://127.0.0.1:11434/v1") };

        var text = options.ToString();

        Assert.That(text, Does.Not.Contain(ApiKey).And.Contain("127.0.0.1:11434").And.Contain("***"));
    }

    private static ServiceProvider BuildServices(Action<ISessionsBuilder> configure, Action<IServiceCollection>? extra = null)
    {
        var services = new ServiceCollection();
        extra?.Invoke(services);
        configure(new TestSessionsBuilder(services));
        return services.BuildServiceProvider();
    }
}

using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Sessions.Sdk.Tests;

/// <summary>Checks AddAnthropicProvider's registration, environment defaults and validation.</summary>
[NonParallelizable]
public sealed class AnthropicSessionsBuilderExtensionsTests
{
    private const string ApiKey = "sk-ant-env-0a1b2c3d4e5f";

    [Test]
    public async Task AddAnthropicProvider_NoOptionsGiven_UsesAnthropicApiKeyAndBaseUrlFromEnvironment()
    {
        await using var server = new LoopbackHttpServer();
        server.EnqueueJson(200, AnthropicWire.Message([AnthropicWire.Text("from env")]));
        using var env = new EnvironmentScope(("ANTHROPIC_API_KEY", ApiKey), ("ANTHROPIC_BASE_URL", server.BaseAddress.ToString()), ("ANTHROPIC_AUTH_TOKEN", null));
        await using var services = BuildServices(b => b.AddAnthropicProvider());

        var provider = services.GetRequiredService<IChatProvider>();
        var response = await provider.GetChatClient("claude-env").GetResponseAsync("hi");

        var request = server.Requests.Single();
        Assert.Multiple(() =>
        {
            Assert.That(provider.Name, Is.EqualTo("anthropic"));
            Assert.That(response.Text, Is.EqualTo("from env"));
            Assert.That(request.Path, Is.EqualTo("/v1/messages"));
            Assert.That(request.Header("Authorization"), Is.EqualTo($"Bearer {ApiKey}"));
            Assert.That(request.Json.GetProperty("model").GetString(), Is.EqualTo("claude-env"));
            Assert.That(request.Json.GetProperty("max_tokens").GetInt32(), Is.EqualTo(4096));
        });
    }

    [Test]
    public async Task AddAnthropicProvider_OfficialEndpointWithoutKey_ResolvesAndFailsFirstCallNamingApiKey()
    {
        using var env = new EnvironmentScope(("ANTHROPIC_API_KEY", null), ("ANTHROPIC_BASE_URL", null));
        await using var services = BuildServices(b => b.AddAnthropicProvider());

        var ex = await ProviderTestSupport.AssertKeyMissingFailsOnlyTheFirstCallAsync(services, "anthropic");

        Assert.That(ex.Message, Does.Contain("ANTHROPIC_API_KEY").And.Contain("AnthropicProviderOptions.ApiKey").And.Contain("AddAnthropicProvider"));
    }

    [Test]
    public void AddAnthropicProvider_InvalidLimits_FailValidationNamingEachOption()
    {
        using var services = BuildServices(b => b.AddAnthropicProvider(configure: o =>
        {
            o.ApiKey = ApiKey;
            o.DefaultMaxOutputTokens = 0;
            o.Timeout = TimeSpan.Zero;
            o.BaseUrl = new Uri("ftp://example.test");
        }));

        var ex = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IChatProvider>());

        Assert.That(ex!.Message, Does.Contain("AnthropicProviderOptions.DefaultMaxOutputTokens")
            .And.Contain("AnthropicProviderOptions.Timeout")
            .And.Contain("AnthropicProviderOptions.BaseUrl"));
    }

    [Test]
    public void AddAnthropicProvider_CalledTwiceWithSameName_RegistersOneProviderWithBothConfigurations()
    {
        using var services = BuildServices(b => b
            .AddAnthropicProvider(configure: o => o.ApiKey = ApiKey)
            .AddAnthropicProvider("Anthropic", o => o.DefaultModel = "claude-haiku"));

        var providers = services.GetServices<IChatProvider>().ToArray();

        Assert.That(providers, Has.Length.EqualTo(1));
        Assert.That(providers[0].DefaultModelId, Is.EqualTo("claude-haiku"));
    }

    [Test]
    public void GetChatClient_SameModelTwice_ReturnsCachedClientPerModel()
    {
        using var services = BuildServices(b => b.AddAnthropicProvider(configure: o => o.ApiKey = ApiKey));
        var provider = services.GetRequiredService<IChatProvider>();

        var first = provider.GetChatClient("m1");

        Assert.Multiple(() =>
        {
            Assert.That(provider.GetChatClient("m1"), Is.SameAs(first));
            Assert.That(provider.GetChatClient("m2"), Is.Not.SameAs(first));
            Assert.That(provider.GetChatClient().GetService<ChatClientMetadata>()!.DefaultModelId, Is.EqualTo("claude-sonnet-4-5"));
        });
    }

    [Test]
    public void GetChatClient_NoModelAnywhere_ThrowsChatProviderExceptionNamingTheFix()
    {
        using var services = BuildServices(b => b.AddAnthropicProvider(configure: o =>
        {
            o.ApiKey = ApiKey;
            o.DefaultModel = null;
        }));

        var ex = Assert.Throws<ChatProviderException>(() => services.GetRequiredService<IChatProvider>().GetChatClient());

        Assert.That(ex!.Message, Does.Contain("AnthropicProviderOptions.DefaultModel"));
    }

    [Test]
    public async Task AddAnthropicProvider_BoundFromConfigurationSection_UsesBoundBaseUrlModelKeyAndLimits()
    {
        await using var server = new LoopbackHttpServer();
        server.EnqueueJson(200, AnthropicWire.Message([AnthropicWire.Text("bound")]));
        using var env = new EnvironmentScope(("ANTHROPIC_API_KEY", null), ("ANTHROPIC_BASE_URL", null));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Providers:claude:BaseUrl"] = server.BaseAddress.ToString(),
            ["Providers:claude:ApiKey"] = ApiKey,
            ["Providers:claude:DefaultModel"] = "claude-bound",
            ["Providers:claude:DefaultMaxOutputTokens"] = "321",
            ["Providers:claude:Timeout"] = "00:00:20",
        }).Build();
        await using var services = BuildServices(b => b.AddAnthropicProvider("claude", configuration.GetSection("Providers:claude")));

        await services.GetRequiredService<IAsyncStartupValidator>().ValidateAsync(CancellationToken.None);
        var provider = services.GetRequiredService<IChatProvider>();
        var response = await provider.GetChatClient().GetResponseAsync("hi");

        var request = server.Requests.Single();
        Assert.Multiple(() =>
        {
            Assert.That(provider.Name, Is.EqualTo("claude"));
            Assert.That(response.Text, Is.EqualTo("bound"));
            Assert.That(request.Header("Authorization"), Is.EqualTo($"Bearer {ApiKey}"));
            Assert.That(request.Json.GetProperty("model").GetString(), Is.EqualTo("claude-bound"));
            Assert.That(request.Json.GetProperty("max_tokens").GetInt32(), Is.EqualTo(321));
        });
    }

    [Test]
    public async Task AddAnthropicProvider_BoundInvalidValues_FailStartupValidationNamingEachOption()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ApiKey"] = ApiKey,
            ["DefaultMaxOutputTokens"] = "-1",
            ["Timeout"] = "00:00:00",
        }).Build();
        await using var services = BuildServices(b => b.AddAnthropicProvider("anthropic", configuration));

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(async () => await services.GetRequiredService<IAsyncStartupValidator>().ValidateAsync(CancellationToken.None));

        Assert.That(ex!.Message, Does.Contain("AnthropicProviderOptions.DefaultMaxOutputTokens").And.Contain("AnthropicProviderOptions.Timeout"));
    }

    [Test]
    [NonParallelizable]
    public async Task SendAsync_AnthropicWithoutItsKey_OtherProviderAndListingKeepWorking()
    {
        using var env = new EnvironmentScope(("ANTHROPIC_API_KEY", null), ("ANTHROPIC_BASE_URL", null));

        var ex = await ProviderTestSupport.AssertKeylessProviderLeavesOthersWorkingAsync(
            b => b.AddAnthropicProvider(),
            manager => manager.Create().WithProvider("anthropic").CreateAsync());

        Assert.That(ex.Message, Is.EqualTo(
            "Chat provider 'anthropic' has no API key for api.anthropic.com: set the ANTHROPIC_API_KEY environment variable or AnthropicProviderOptions.ApiKey (AddAnthropicProvider(\"anthropic\", o => o.ApiKey = ...))."));
    }

    [Test]
    public void AddAnthropicProvider_InvalidArguments_Throw()
    {
        var builder = new TestSessionsBuilder(new ServiceCollection());

        Assert.Multiple(() =>
        {
            Assert.That(() => ((ISessionsBuilder)null!).AddAnthropicProvider(), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("builder"));
            Assert.That(() => builder.AddAnthropicProvider(""), Throws.ArgumentException.With.Property("ParamName").EqualTo("name"));
            Assert.That(() => builder.AddAnthropicProvider("anthropic", (IConfiguration)null!), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("configuration"));
        });
    }

    [Test]
    public void ToString_WithApiKey_NeverShowsTheKey()
    {
        var options = new AnthropicProviderOptions { ApiKey = ApiKey };

        Assert.That(options.ToString(), Does.Not.Contain(ApiKey).And.Contain("***"));
    }

    private static ServiceProvider BuildServices(Action<ISessionsBuilder> configure) => ProviderTestSupport.BuildServices(configure);
}

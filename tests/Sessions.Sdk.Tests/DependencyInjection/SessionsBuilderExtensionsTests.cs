using Microsoft.Extensions.Options;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Moq;

namespace Sessions.Sdk.Tests;

public sealed class SessionsBuilderExtensionsTests
{
    private sealed class CustomStorage : ISessionStorage
    {
        private readonly CoreTestStorage _inner = new();

        public ValueTask<SessionInfo> CreateAsync(SessionInfo session, IReadOnlyList<SessionMessage> messages, CancellationToken cancellationToken = default) => _inner.CreateAsync(session, messages, cancellationToken);

        public ValueTask<SessionInfo?> GetAsync(string sessionId, CancellationToken cancellationToken = default) => _inner.GetAsync(sessionId, cancellationToken);

        public ValueTask<IReadOnlyList<SessionMessage>> AppendMessagesAsync(string sessionId, IReadOnlyList<SessionMessage> messages, CancellationToken cancellationToken = default) => _inner.AppendMessagesAsync(sessionId, messages, cancellationToken);

        public ValueTask<IReadOnlyList<SessionMessage>> GetMessagesAsync(string sessionId, MessageRange range, CancellationToken cancellationToken = default) => _inner.GetMessagesAsync(sessionId, range, cancellationToken);

        public ValueTask<SessionInfo> UpdateAsync(SessionInfo session, CancellationToken cancellationToken = default) => _inner.UpdateAsync(session, cancellationToken);

        public ValueTask<SessionInfo> ReplaceMessagesAsync(string sessionId, IReadOnlyList<SessionMessage> messages, long expectedVersion, CancellationToken cancellationToken = default) => _inner.ReplaceMessagesAsync(sessionId, messages, expectedVersion, cancellationToken);

        public ValueTask<bool> DeleteAsync(string sessionId, CancellationToken cancellationToken = default) => _inner.DeleteAsync(sessionId, cancellationToken);

        public ValueTask<bool> ExistsAsync(string sessionId, CancellationToken cancellationToken = default) => _inner.ExistsAsync(sessionId, cancellationToken);

        public IAsyncEnumerable<SessionInfo> ListAsync(SessionQuery query, CancellationToken cancellationToken = default) => _inner.ListAsync(query, cancellationToken);
    }

    private static ServiceProvider Build(Action<ISessionsBuilder> configure, Action<SessionsOptions>? options = null)
    {
        var services = new ServiceCollection();
        configure(services.AddSessions(options));
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    [Test]
    public void UseStorage_Generic_RegistersOneSingletonOfThatType()
    {
        using var provider = Build(b => b.UseStorage<CustomStorage>());

        var storage = provider.GetRequiredService<ISessionStorage>();

        Assert.That(storage, Is.InstanceOf<CustomStorage>());
        Assert.That(provider.GetRequiredService<ISessionStorage>(), Is.SameAs(storage));
        Assert.That(provider.GetRequiredService<ISessionManager>().Storage, Is.SameAs(storage));
    }

    [Test]
    public void UseStorage_CalledSeveralTimes_LastWins()
    {
        var first = new CoreTestStorage();
        var last = new CoreTestStorage();
        var services = new ServiceCollection();

        services.AddSessions().UseStorage<CustomStorage>().UseStorage(_ => first).UseStorage(last);

        Assert.That(services.Count(d => d.ServiceType == typeof(ISessionStorage)), Is.EqualTo(1));
        using var provider = services.BuildServiceProvider();
        Assert.That(provider.GetRequiredService<ISessionManager>().Storage, Is.SameAs(last));
    }

    [Test]
    public void UseStorage_Factory_IsCalledOnce()
    {
        int calls = 0;
        using var provider = Build(b => b.UseStorage(_ => { calls++; return new CoreTestStorage(); }));

        provider.GetRequiredService<ISessionManager>();
        provider.GetRequiredService<ISessionStorage>();

        Assert.That(calls, Is.EqualTo(1));
    }

    [Test]
    public async Task AddChatProvider_ChatClient_IsUsedBySessions()
    {
        var client = CoreTestChatClient.Echo();
        using var provider = Build(b => b.UseStorage(new CoreTestStorage()).AddChatProvider("local", client, "m1"));
        var s = await provider.GetRequiredService<ISessionManager>().Create("s").CreateAsync();

        var reply = await s.SendAsync("hi");

        Assert.That(reply.Text, Is.EqualTo("echo: hi"));
        Assert.That(client.Calls[0].Options!.ModelId, Is.EqualTo("m1"));
    }

    [Test]
    public async Task AddChatProvider_Factory_IsCreatedOnceOnFirstUse()
    {
        int created = 0;
        using var provider = Build(b => b.UseStorage(new CoreTestStorage()).AddChatProvider("local", _ => { created++; return CoreTestChatClient.Echo(); }));
        var sessions = provider.GetRequiredService<ISessionManager>();
        var s = await sessions.Create("s").CreateAsync();

        Assert.That(created, Is.Zero);
        await s.SendAsync("a");
        await s.SendAsync("b");
        Assert.That(created, Is.EqualTo(1));
    }

    [Test]
    public async Task AddChatProvider_SameNameTwice_LastWins()
    {
        var first = CoreTestChatClient.Echo();
        var second = CoreTestChatClient.Echo();
        using var provider = Build(b => b.UseStorage(new CoreTestStorage()).AddChatProvider("p", first).AddChatProvider("P", second));
        var s = await provider.GetRequiredService<ISessionManager>().Create("s").WithProvider("p").CreateAsync();

        await s.SendAsync("hi");

        Assert.That(first.Calls, Is.Empty);
        Assert.That(second.Calls, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task AddChatProvider_ProviderInstance_GetsSessionModel()
    {
        var client = CoreTestChatClient.Echo();
        var mock = new Mock<IChatProvider>(MockBehavior.Strict);
        mock.SetupGet(p => p.Name).Returns("vendor");
        mock.SetupGet(p => p.DefaultModelId).Returns("vendor-default");
        mock.Setup(p => p.GetChatClient("vendor-large")).Returns(client);
        using var provider = Build(b => b.UseStorage(new CoreTestStorage()).AddChatProvider(mock.Object));
        var s = await provider.GetRequiredService<ISessionManager>().Create("s").WithProvider("vendor", "vendor-large").CreateAsync();

        await s.SendAsync("hi");

        mock.Verify(p => p.GetChatClient("vendor-large"), Times.Once);
        Assert.That(client.Calls[0].Options!.ModelId, Is.EqualTo("vendor-large"));
    }

    [Test]
    public async Task AddChatProvider_ProviderFactoryUnderName_UsesGivenNameAndProviderDefaultModel()
    {
        var client = CoreTestChatClient.Echo();
        var mock = new Mock<IChatProvider>(MockBehavior.Strict);
        mock.SetupGet(p => p.DefaultModelId).Returns("inner-default");
        mock.Setup(p => p.GetChatClient("inner-default")).Returns(client);
        using var provider = Build(b => b.UseStorage(new CoreTestStorage()).AddChatProvider("renamed", _ => mock.Object));
        var s = await provider.GetRequiredService<ISessionManager>().Create("s").CreateAsync();

        await s.SendAsync("hi");

        Assert.That(client.Calls[0].Options!.ModelId, Is.EqualTo("inner-default"));
        Assert.That(provider.GetRequiredService<ChatProviderRegistry>().Names, Is.EqualTo(new[] { "renamed" }));
    }

    [Test]
    public async Task DefaultProviderAndModel_FromOptions_AreUsedWhenSessionNamesNone()
    {
        var a = CoreTestChatClient.Echo();
        var b = CoreTestChatClient.Echo();
        using var provider = Build(x => x.UseStorage(new CoreTestStorage()).AddChatProvider("a", a).AddChatProvider("b", b), o => { o.DefaultProvider = "b"; o.DefaultModel = "b-model"; });
        var s = await provider.GetRequiredService<ISessionManager>().Create("s").CreateAsync();

        await s.SendAsync("hi");

        Assert.That(a.Calls, Is.Empty);
        Assert.That(b.Calls[0].Options!.ModelId, Is.EqualTo("b-model"));
    }

    [Test]
    public async Task SendAsync_SeveralProvidersNoDefault_ThrowsNamingThemAndTheFix()
    {
        using var provider = Build(x => x.UseStorage(new CoreTestStorage()).AddChatProvider("a", CoreTestChatClient.Echo()).AddChatProvider("b", CoreTestChatClient.Echo()));
        var s = await provider.GetRequiredService<ISessionManager>().Create("s").CreateAsync();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => s.SendAsync("hi"));

        Assert.That(ex!.Message, Does.Contain("(a, b)").And.Contain("SessionsOptions.DefaultProvider"));
    }

    [Test]
    public async Task SendAsync_NoProviderRegistered_ThrowsNamingAddChatProvider()
    {
        using var provider = Build(x => x.UseStorage(new CoreTestStorage()));
        var s = await provider.GetRequiredService<ISessionManager>().Create("s").CreateAsync();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => s.SendAsync("hi"));

        Assert.That(ex!.Message, Does.Contain("AddChatProvider"));
    }

    [Test]
    public void ManagerResolution_UnknownDefaultProvider_ThrowsListingRegisteredNames()
    {
        // Issue 10: a misspelled DefaultProvider fails at startup (the manager's options), not at the first send.
        using var provider = Build(x => x.UseStorage(new CoreTestStorage()).AddChatProvider("openai", CoreTestChatClient.Echo()).AddChatProvider("anthropic", CoreTestChatClient.Echo()), o => o.DefaultProvider = "ollama");

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<ISessionManager>());

        Assert.That(ex!.Message, Is.EqualTo("SessionsOptions.DefaultProvider is 'ollama', but no chat provider of that name is registered (registered: anthropic, openai). Fix the name, or register a provider with that name."));
    }

    [Test]
    public void AddChatProvider_InvalidArguments_Throw()
    {
        var builder = new ServiceCollection().AddSessions();

        Assert.Throws(Is.InstanceOf<ArgumentException>(), () => builder.AddChatProvider(" ", CoreTestChatClient.Echo()));
        Assert.Throws<ArgumentNullException>(() => builder.AddChatProvider("x", (IChatClient)null!));
        var nameless = new Mock<IChatProvider>(MockBehavior.Strict);
        nameless.SetupGet(p => p.Name).Returns("");
        var ex = Assert.Throws<ArgumentException>(() => builder.AddChatProvider(nameless.Object));
        Assert.That(ex!.ParamName, Is.EqualTo("provider"));
    }
}

using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sessions.Sdk.Testing;

namespace Sessions.Sdk.Tests;

/// <summary>The checks every provider package's registration tests share (linked into the OpenAI and Anthropic test projects).</summary>
internal static class ProviderTestSupport
{
    /// <summary>Builds a service provider with a bare builder, so provider registration is tested without the runtime's AddSessions.</summary>
    /// <param name="configure">Registers the provider.</param>
    /// <param name="extra">Registers other services first, if given.</param>
    /// <returns>The service provider.</returns>
    public static ServiceProvider BuildServices(Action<ISessionsBuilder> configure, Action<IServiceCollection>? extra = null)
    {
        var services = new ServiceCollection();
        extra?.Invoke(services);
        configure(new TestSessionsBuilder(services));
        return services.BuildServiceProvider();
    }

    /// <summary>Checks a provider registered without its API key: start-up validation and resolution succeed, and the first call, plain or streamed, fails with one line.</summary>
    /// <param name="services">The services holding the provider as the only <see cref="IChatProvider"/>.</param>
    /// <param name="providerName">The provider's name.</param>
    /// <returns>The failure of the plain call, for the caller's own message assertions.</returns>
    public static async Task<ChatProviderException> AssertKeyMissingFailsOnlyTheFirstCallAsync(IServiceProvider services, string providerName)
    {
        // Registration, validation and resolution succeed: only a call needs the key.
        await services.GetRequiredService<IAsyncStartupValidator>().ValidateAsync(CancellationToken.None);
        var client = services.GetRequiredService<IChatProvider>().GetChatClient();
        var ex = (await Assert.ThrowsAsync<ChatProviderException>(() => client.GetResponseAsync("hi")))!;
        var streamed = await Assert.ThrowsAsync<ChatProviderException>(async () =>
        {
            await foreach (var _ in client.GetStreamingResponseAsync("hi"))
            {
            }
        });

        Assert.Multiple(() =>
        {
            Assert.That(ex.Message, Does.Not.Contain("\n"), "one line");
            Assert.That(ex.ProviderName, Is.EqualTo(providerName));
            Assert.That(ex.IsTransient, Is.False, "retrying cannot find a key");
            Assert.That(ex.StatusCode, Is.Null);
            Assert.That(streamed!.Message, Is.EqualTo(ex.Message));
        });
        return ex;
    }

    /// <summary>
    /// Runs sessions on a scripted default provider next to a provider without its key: start-up, the manager, listing
    /// and the other provider keep working, and only the keyless session's send fails.
    /// </summary>
    /// <param name="addKeyless">Registers the keyless provider.</param>
    /// <param name="createKeyless">Creates a session on the keyless provider.</param>
    /// <returns>The keyless send's failure, for the caller's own message assertions.</returns>
    public static async Task<ChatProviderException> AssertKeylessProviderLeavesOthersWorkingAsync(Action<ISessionsBuilder> addKeyless, Func<ISessionManager, Task<Session>> createKeyless)
    {
        var scripted = new ScriptedChatClient("scripted-model").EnqueueText("from scripted").EnqueueText("still fine");
        var services = new ServiceCollection();
        var builder = services.AddSessions(o => o.DefaultProvider = "scripted").UseMemoryStorage();
        addKeyless(builder);
        builder.AddChatProvider("scripted", scripted, "scripted-model");
        await using var provider = services.BuildServiceProvider();

        await provider.GetRequiredService<IAsyncStartupValidator>().ValidateAsync(CancellationToken.None);
        var manager = provider.GetRequiredService<ISessionManager>();
        var other = await manager.Create().CreateAsync();
        var first = await other.SendAsync("hi");
        var keyless = await createKeyless(manager);

        var ex = (await Assert.ThrowsAsync<ChatProviderException>(() => keyless.SendAsync("hi")))!;

        var listed = new List<SessionInfo>();
        await foreach (var info in manager.ListAsync())
        {
            listed.Add(info);
        }

        var second = await other.SendAsync("again");
        Assert.Multiple(() =>
        {
            Assert.That(ex.IsTransient, Is.False);
            Assert.That(first.Text, Is.EqualTo("from scripted"));
            Assert.That(second.Text, Is.EqualTo("still fine"));
            Assert.That(listed.Select(i => i.Id), Is.EquivalentTo(new[] { other.Id, keyless.Id }));
        });
        return ex;
    }

    /// <summary>Sends once on a provider whose server fails the first call retryably: the pipeline retries once (the SDK never does) and stores one reply.</summary>
    /// <param name="session">A new session on the provider.</param>
    /// <param name="server">The server, with the failure and then <paramref name="expectedReply"/> queued.</param>
    /// <param name="expectedReply">The text of the queued reply.</param>
    /// <returns>A task that completes when checked.</returns>
    public static async Task AssertOneRetryStoresOneReplyAsync(Session session, LoopbackHttpServer server, string expectedReply)
    {
        var reply = await session.SendAsync("hi");

        var messages = await session.GetMessagesAsync();
        Assert.Multiple(() =>
        {
            Assert.That(reply.Text, Is.EqualTo(expectedReply));
            Assert.That(server.Requests, Has.Count.EqualTo(2), "one retry by the Sessions.Sdk pipeline, none by the SDK");
            Assert.That(messages.Select(m => m.Role), Is.EqualTo(new[] { ChatRole.User, ChatRole.Assistant }));
        });
    }
}

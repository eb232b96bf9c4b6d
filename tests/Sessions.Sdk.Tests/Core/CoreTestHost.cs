using Microsoft.Extensions.Time.Testing;
using Microsoft.Extensions.DependencyInjection;
using Sessions.Sdk.Testing;

namespace Sessions.Sdk.Tests;

/// <summary>Builds a service provider with AddSessions over a CoreTestStorage (memory or file), a manual clock and one fake chat provider.</summary>
internal sealed class CoreTestHost : IDisposable
{
    public CoreTestHost(Action<SessionsOptions>? configure = null, Action<ISessionsBuilder>? build = null, CoreStoreKind store = CoreStoreKind.Memory)
    {
        Storage = new CoreTestStorage(store, Time);
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(Time);
        var builder = services.AddSessions(configure).UseStorage(Storage).AddChatProvider("fake", Client, "fake-model");

        // Polly's retry delays run on the injected manual clock, which these tests never advance; resilience is tested in Chat/.
        builder.ConfigureResilience(o => o.Enabled = false);
        build?.Invoke(builder);
        Provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        Sessions = Provider.GetRequiredService<ISessionManager>();
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public CoreTestStorage Storage { get; }

    public CoreTestChatClient Client { get; } = CoreTestChatClient.Echo();

    public ServiceProvider Provider { get; }

    public ISessionManager Sessions { get; }

    public void Dispose()
    {
        Provider.Dispose();
        Storage.Dispose();
    }
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Sessions.Sdk.Tests;

/// <summary>AddSessions over a memory or file store, a FakeTimeProvider and a FakeLogger collector.</summary>
internal sealed class ManagementTestHost : IDisposable
{
    private readonly string? _directory;

    public ManagementTestHost(CoreStoreKind store = CoreStoreKind.Memory, Action<ISessionsBuilder>? build = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(Time);
        services.AddLogging(b => b.AddProvider(new FakeLoggerProvider(Logs)).SetMinimumLevel(LogLevel.Debug));
        var builder = services.AddSessions();
        if (store == CoreStoreKind.File)
        {
            _directory = Path.Combine(Path.GetTempPath(), "sessions-mgmt-tests-" + Guid.NewGuid().ToString("N"));
            builder.UseFileStorage(_directory);
        }
        else
        {
            builder.UseMemoryStorage();
        }

        build?.Invoke(builder);
        Provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        Sessions = Provider.GetRequiredService<ISessionManager>();
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 10, 12, 0, 0, TimeSpan.Zero));

    public FakeLogCollector Logs { get; } = new();

    public ServiceProvider Provider { get; }

    public ISessionManager Sessions { get; }

    public void Dispose()
    {
        Provider.Dispose();
        if (_directory is not null)
        {
            try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
        }
    }
}

using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Sessions.Sdk.TestHost;

/// <summary>Builds the SQLite store through its public registration (UseSqliteStorage), as an application would.</summary>
internal static class SqliteHostStorage
{
    /// <summary>Registers the store with <c>UseSqliteStorage</c> and invokes the registered factory.</summary>
    public static ISessionStorage Create(string databasePath)
    {
        var builder = new Builder();
        builder.UseSqliteStorage($"Data Source={databasePath}");
        var descriptor = builder.Services.Single(d => d.ServiceType == typeof(ISessionStorage));
        return (ISessionStorage)descriptor.ImplementationFactory!(EmptyServiceProvider.Instance);
    }

    /// <summary>Creates a text message stamped with the current time.</summary>
    public static SessionMessage Text(ChatRole role, string text) => new()
    {
        Message = new ChatMessage(role, text),
        Timestamp = TimeProvider.System.GetUtcNow(),
    };

    private sealed class Builder : ISessionsBuilder
    {
        public IServiceCollection Services { get; } = new ServiceCollection();
    }

    private sealed class EmptyServiceProvider : IServiceProvider
    {
        public static readonly EmptyServiceProvider Instance = new();

        public object? GetService(Type serviceType) => null;
    }
}

using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Sessions.Sdk.TestHost;

/// <summary>Builds the PostgreSQL store through its public registration (UsePostgreSqlStorage), as an application would.</summary>
internal static class PostgreSqlHostStorage
{
    /// <summary>The environment variable holding the test server's connection string.</summary>
    public const string ConnectionStringVariable = "SESSIONS_TEST_POSTGRES";

    /// <summary>Registers the store with <c>UsePostgreSqlStorage</c> for <paramref name="schema"/> and invokes the registered factory.</summary>
    public static ISessionStorage Create(string schema)
    {
        string connectionString = Environment.GetEnvironmentVariable(ConnectionStringVariable)
            ?? throw new InvalidOperationException($"{ConnectionStringVariable} is not set.");
        var builder = new Builder();
        builder.UsePostgreSqlStorage(connectionString, o => o.SchemaName = schema);
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

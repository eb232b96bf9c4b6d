using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Sessions.Sdk;

/// <summary>Registers Sessions.Sdk in an <see cref="IServiceCollection"/>.</summary>
public static class SessionsServiceCollectionExtensions
{
    /// <summary>Adds the session manager, the chat provider registry and default storage; safe to call more than once.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Configures <see cref="SessionsOptions"/>; every call's action is applied, in order.</param>
    /// <returns>A builder to choose storage and add chat providers.</returns>
    /// <remarks>
    /// Registers, only when not already registered: <see cref="ISessionManager"/> (singleton), <see cref="TimeProvider.System"/>,
    /// and file storage in the per-user data directory as the default <see cref="ISessionStorage"/> (replace it with a
    /// <c>Use…Storage</c> call). Options are validated when the manager is first resolved and at host start.
    /// </remarks>
    public static ISessionsBuilder AddSessions(this IServiceCollection services, Action<SessionsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (configure is not null)
        {
            services.Configure(configure);
        }

        if (!services.Any(d => d.ServiceType == typeof(SessionsMarker)))
        {
            services.AddSingleton<SessionsMarker>();
            services.AddOptions<SessionsOptions>().ValidateOnStart();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SessionsOptions>, SessionsOptionsValidator>());
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SessionsOptions>, SessionsStartupValidator>());
            services.TryAddSingleton(TimeProvider.System);
            services.TryAddSingleton<ChatProviderRegistry>();
            services.TryAddSingleton<ISessionManager>(CreateManager);
            FileStorageSessionsBuilderExtensions.TryAddDefaultFileStorage(services);
            ChatSessionsBuilderExtensions.AddChatCore(services);
        }

        return new SessionsBuilder(services);
    }

    /// <summary>Adds Sessions.Sdk with <see cref="SessionsOptions"/> bound from a configuration section (for example <c>configuration.GetSection("Sessions")</c>).</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The configuration section holding the options.</param>
    /// <returns>A builder to choose storage and add chat providers.</returns>
    public static ISessionsBuilder AddSessions(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = services.AddSessions();
        services.Configure<SessionsOptions>(configuration);
        return builder;
    }

    private static SessionManager CreateManager(IServiceProvider services)
    {
        var storage = services.GetService<ISessionStorage>() ?? throw new InvalidOperationException(
            "No session storage is registered. Choose one with AddSessions().UseFileStorage(directory), .UseMemoryStorage() or .UseStorage<TStorage>().");
        var loggerFactory = services.GetService<ILoggerFactory>();
        // The chat machinery is resolved on the first model call: managing sessions never builds it.
        return new SessionManager(
            storage,
            services.GetRequiredService<ChatProviderRegistry>,
            services.GetRequiredService<IOptions<SessionsOptions>>(),
            services.GetRequiredService<TimeProvider>(),
            loggerFactory?.CreateLogger("Sessions.Sdk"),
            services.GetRequiredService<ChatPipelineFactory>)
        {
            Templates = services.GetService<SessionTemplateRegistry>() ?? new([]),
        };
    }

    /// <summary>Marks a service collection that AddSessions already configured.</summary>
    private sealed class SessionsMarker;
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Sessions.Sdk;

/// <summary>Registers the PostgreSQL session storage on an <see cref="ISessionsBuilder"/>.</summary>
public static class PostgreSqlStorageSessionsBuilderExtensions
{
    /// <summary>Stores sessions in PostgreSQL, replacing any storage registered before.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="connectionString">The Npgsql connection string.</param>
    /// <param name="configure">Configures further options, such as the schema name.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <remarks>The storage owns a data source built from the connection string and disposes it with the service provider.</remarks>
    /// <exception cref="ArgumentException"><paramref name="connectionString"/> is empty or invalid.</exception>
    /// <exception cref="OptionsValidationException">An option is not valid; the message names it.</exception>
    public static ISessionsBuilder UsePostgreSqlStorage(this ISessionsBuilder builder, string connectionString, Action<PostgreSqlStorageOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return builder.UsePostgreSqlStorage(options =>
        {
            options.ConnectionString = connectionString;
            configure?.Invoke(options);
        });
    }

    /// <summary>Stores sessions in PostgreSQL through an existing data source, replacing any storage registered before.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="dataSource">The data source; the caller keeps ownership and disposes it.</param>
    /// <param name="configure">Configures further options, such as the schema name; the connection string is ignored.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="OptionsValidationException">An option is not valid; the message names it.</exception>
    public static ISessionsBuilder UsePostgreSqlStorage(this ISessionsBuilder builder, NpgsqlDataSource dataSource, Action<PostgreSqlStorageOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(dataSource);
        var given = new PostgreSqlStorageOptions();
        configure?.Invoke(given);
        Validate(given, requireConnectionString: false);
        Register(builder.Services, options =>
        {
            configure?.Invoke(options);
            options.DataSource = dataSource;
        });
        return builder;
    }

    /// <summary>Stores sessions in PostgreSQL configured entirely through options (for example bound from configuration), replacing any storage registered before.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Configures the options; <see cref="PostgreSqlStorageOptions.ConnectionString"/> is required.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="OptionsValidationException">An option is not valid; the message names it.</exception>
    public static ISessionsBuilder UsePostgreSqlStorage(this ISessionsBuilder builder, Action<PostgreSqlStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var given = new PostgreSqlStorageOptions();
        configure(given);
        Validate(given, requireConnectionString: true);
        Register(builder.Services, configure);
        return builder;
    }

    private static void Validate(PostgreSqlStorageOptions options, bool requireConnectionString)
    {
        var problems = options.Validate(requireConnectionString);
        if (problems.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(PostgreSqlStorageOptions), problems);
        }
    }

    private static void Register(IServiceCollection services, Action<PostgreSqlStorageOptions> configure)
    {
        // Registered as options too: configuration the application adds (services.Configure, binding) applies, and the
        // result is validated again at host start (ValidateOnStart) and when the store is first resolved.
        StorageOptionsRegistration.Register<PostgreSqlStorageOptions, PostgreSqlStorageOptionsValidator>(services, configure);
        services.RemoveAll<ISessionStorage>();
        services.AddSingleton<ISessionStorage>(sp =>
        {
            // Without the options services (a factory invoked by hand), this call's settings, checked at registration, are used.
            var options = sp.GetService<IOptions<PostgreSqlStorageOptions>>()?.Value ?? Standalone(configure);
            if (options.DataSource is { } dataSource)
            {
                return new PostgreSqlSessionStorage(dataSource, ownsDataSource: false, options, TimeProviderFrom(sp), LoggerFrom(sp));
            }

            var owned = PostgreSqlSessionStorage.CreateDataSource(options.ConnectionString!, sp.GetService<ILoggerFactory>());
            return new PostgreSqlSessionStorage(owned, ownsDataSource: true, options, TimeProviderFrom(sp), LoggerFrom(sp));
        });
    }

    private static TimeProvider TimeProviderFrom(IServiceProvider services) => services.GetService<TimeProvider>() ?? TimeProvider.System;

    private static ILogger? LoggerFrom(IServiceProvider services) =>
        services.GetService<ILoggerFactory>()?.CreateLogger("Sessions.Sdk.PostgreSql");

    private static PostgreSqlStorageOptions Standalone(Action<PostgreSqlStorageOptions> configure)
    {
        var options = new PostgreSqlStorageOptions();
        configure(options);
        return options;
    }
}

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
        var options = new PostgreSqlStorageOptions();
        configure?.Invoke(options);
        Validate(options, requireConnectionString: false);
        Register(builder.Services, sp => new PostgreSqlSessionStorage(dataSource, ownsDataSource: false, options, TimeProviderFrom(sp), LoggerFrom(sp)));
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
        var options = new PostgreSqlStorageOptions();
        configure(options);
        Validate(options, requireConnectionString: true);
        Register(builder.Services, sp =>
        {
            var loggerFactory = sp.GetService<ILoggerFactory>();
            var dataSource = PostgreSqlSessionStorage.CreateDataSource(options.ConnectionString!, loggerFactory);
            return new PostgreSqlSessionStorage(dataSource, ownsDataSource: true, options, TimeProviderFrom(sp), LoggerFrom(sp));
        });
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

    private static void Register(IServiceCollection services, Func<IServiceProvider, PostgreSqlSessionStorage> factory)
    {
        services.RemoveAll<ISessionStorage>();
        services.AddSingleton<ISessionStorage>(factory);
    }

    private static TimeProvider TimeProviderFrom(IServiceProvider services) => services.GetService<TimeProvider>() ?? TimeProvider.System;

    private static ILogger? LoggerFrom(IServiceProvider services) =>
        services.GetService<ILoggerFactory>()?.CreateLogger("Sessions.Sdk.PostgreSql");
}

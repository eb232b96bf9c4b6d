using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Sessions.Sdk;

/// <summary>Registers the SQLite session store on an <see cref="ISessionsBuilder"/>.</summary>
public static class SqliteStorageSessionsBuilderExtensions
{
    /// <summary>Stores sessions in a SQLite database (WAL, FTS5 search), replacing any other storage registration.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="connectionString">The connection string, such as <c>Data Source=sessions.db</c>.</param>
    /// <param name="configure">Configures further options, if given.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <remarks>The store is a singleton that also implements <see cref="ISessionSearch"/>. The schema is created and migrated on first use.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The connection string or another option is invalid.</exception>
    public static ISessionsBuilder UseSqliteStorage(this ISessionsBuilder builder, string connectionString, Action<SqliteStorageOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return builder.UseSqliteStorage(options =>
        {
            options.ConnectionString = connectionString;
            configure?.Invoke(options);
        });
    }

    /// <summary>Stores sessions in a SQLite database configured by <paramref name="configure"/>, replacing any other storage registration.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Sets <see cref="SqliteStorageOptions.ConnectionString"/> and any other option.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <remarks>
    /// Options are validated here, so a bad value fails at registration rather than on first use. They are registered as
    /// <see cref="SqliteStorageOptions"/>, so <c>services.Configure&lt;SqliteStorageOptions&gt;(…)</c> (or binding from
    /// configuration) applies too, and validated again at host start (<c>ValidateOnStart</c>) with an
    /// <see cref="OptionsValidationException"/> naming the option.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="configure"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public static ISessionsBuilder UseSqliteStorage(this ISessionsBuilder builder, Action<SqliteStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var given = new SqliteStorageOptions();
        configure(given);
        given.Validate();
        StorageOptionsRegistration.Register<SqliteStorageOptions, SqliteStorageOptionsValidator>(builder.Services, configure);
        builder.Services.RemoveAll<ISessionStorage>();
        builder.Services.AddSingleton<ISessionStorage>(sp =>
        {
            // Reading the options validates them again, with whatever the application configured besides this call.
            // Without the options services (a factory invoked by hand), this call's settings, checked above, are used.
            var options = sp.GetService<IOptions<SqliteStorageOptions>>()?.Value ?? given;
            return new SqliteSessionStorage(
                options,
                options.TimeProvider ?? sp.GetService<TimeProvider>() ?? TimeProvider.System,
                sp.GetService<ILoggerFactory>()?.CreateLogger<SqliteSessionStorage>() ?? NullLogger<SqliteSessionStorage>.Instance);
        });
        return builder;
    }
}

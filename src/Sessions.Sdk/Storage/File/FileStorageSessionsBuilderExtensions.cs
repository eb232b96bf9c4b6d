using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Sessions.Sdk;

/// <summary>Registers the file store, the embedded default storage of Sessions.Sdk.</summary>
public static class FileStorageSessionsBuilderExtensions
{
    /// <summary>Stores sessions as files in a directory, replacing any storage registered before.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="directory">The directory; <see langword="null"/> for <see cref="FileStorageOptions.Directory"/> or the per-user default.</param>
    /// <param name="configure">Configures the options, if given.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <remarks>The store is a singleton; it also implements <see cref="ISessionSearch"/>.</remarks>
    /// <exception cref="ArgumentException">An option is not valid; the message names it.</exception>
    public static ISessionsBuilder UseFileStorage(this ISessionsBuilder builder, string? directory = null, Action<FileStorageOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new FileStorageOptions();
        if (directory is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(directory);
            options.Directory = directory;
        }

        configure?.Invoke(options);
        options.Validate();
        builder.Services.RemoveAll<ISessionStorage>();
        builder.Services.AddSingleton<ISessionStorage>(sp => Create(sp, options));
        return builder;
    }

    /// <summary>Registers the file store in the per-user data directory unless a storage is already registered.</summary>
    /// <param name="services">The services.</param>
    internal static void TryAddDefaultFileStorage(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<ISessionStorage>(sp => Create(sp, new FileStorageOptions()));
    }

    private static FileSessionStorage Create(IServiceProvider services, FileStorageOptions options)
    {
        // Fail when the storage is first resolved (at host start with ValidateOnStart, else with the session manager), not at the first write.
        FileStorageLocation.Validate(options.ResolveDirectory());
        return new(
            options,
            services.GetService<TimeProvider>() ?? TimeProvider.System,
            services.GetService<ILoggerFactory>()?.CreateLogger<FileSessionStorage>() ?? NullLogger<FileSessionStorage>.Instance);
    }
}

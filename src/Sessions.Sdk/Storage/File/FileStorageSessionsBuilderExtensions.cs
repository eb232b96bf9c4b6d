using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Sessions.Sdk;

/// <summary>Registers the file store, the embedded default storage of Sessions.Sdk.</summary>
public static class FileStorageSessionsBuilderExtensions
{
    /// <summary>Stores sessions as files in a directory, replacing any storage registered before.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="directory">The directory; <see langword="null"/> for <see cref="FileStorageOptions.Directory"/> or the per-user default.</param>
    /// <param name="configure">Configures the options, if given.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <remarks>
    /// The store is a singleton; it also implements <see cref="ISessionSearch"/>. The options are registered as
    /// <see cref="FileStorageOptions"/>, so <c>services.Configure&lt;FileStorageOptions&gt;(…)</c> (or binding from configuration)
    /// applies too; they are validated here and again at host start.
    /// </remarks>
    /// <exception cref="ArgumentException">An option is not valid; the message names it.</exception>
    public static ISessionsBuilder UseFileStorage(this ISessionsBuilder builder, string? directory = null, Action<FileStorageOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (directory is not null) ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        void Setup(FileStorageOptions options)
        {
            if (directory is not null) options.Directory = directory;
            configure?.Invoke(options);
        }

        var given = new FileStorageOptions();
        Setup(given);
        given.Validate();
        StorageOptionsRegistration.Register<FileStorageOptions, FileStorageOptionsValidator>(builder.Services, Setup);
        builder.Services.RemoveAll<ISessionStorage>();
        builder.Services.AddSingleton<ISessionStorage>(Create);
        return builder;
    }

    /// <summary>Registers the file store in the per-user data directory unless a storage is already registered.</summary>
    /// <param name="services">The services.</param>
    internal static void TryAddDefaultFileStorage(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        StorageOptionsRegistration.AddValidation<FileStorageOptions, FileStorageOptionsValidator>(services);
        services.TryAddSingleton<ISessionStorage>(Create);
    }

    private static FileSessionStorage Create(IServiceProvider services)
    {
        // Reading the options validates them, the location included (FileStorageOptionsValidator): at host start with
        // ValidateOnStart, else when the storage is first resolved, never at the first write.
        var options = services.GetRequiredService<IOptions<FileStorageOptions>>().Value;
        return new(
            options,
            services.GetService<TimeProvider>() ?? TimeProvider.System,
            services.GetService<ILoggerFactory>()?.CreateLogger<FileSessionStorage>() ?? NullLogger<FileSessionStorage>.Instance);
    }
}

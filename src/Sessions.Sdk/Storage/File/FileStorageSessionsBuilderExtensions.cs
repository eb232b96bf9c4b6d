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
        builder.Services.AddSingleton<ISessionStorage>(sp => Create(sp, Setup));
        return builder;
    }

    /// <summary>Registers the file store in the per-user data directory unless a storage is already registered.</summary>
    /// <param name="services">The services.</param>
    internal static void TryAddDefaultFileStorage(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        StorageOptionsRegistration.AddValidation<FileStorageOptions, FileStorageOptionsValidator>(services);
        services.TryAddSingleton<ISessionStorage>(sp => Create(sp, null));
    }

    private static FileSessionStorage Create(IServiceProvider services, Action<FileStorageOptions>? setup)
    {
        // Reading the options validates them, the location included (FileStorageOptionsValidator): at host start with
        // ValidateOnStart, else when the storage is first resolved, never at the first write. A provider without the
        // options services (a factory invoked by hand) gets this call's settings, validated by the same validator.
        var options = services.GetService<IOptions<FileStorageOptions>>()?.Value ?? Standalone(setup);
        return new(
            options,
            services.GetService<TimeProvider>() ?? TimeProvider.System,
            services.GetService<ILoggerFactory>()?.CreateLogger<FileSessionStorage>() ?? NullLogger<FileSessionStorage>.Instance);
    }

    private static FileStorageOptions Standalone(Action<FileStorageOptions>? setup)
    {
        var options = new FileStorageOptions();
        setup?.Invoke(options);
        var result = new FileStorageOptionsValidator().Validate(Options.DefaultName, options);
        return result.Failed ? throw new OptionsValidationException(Options.DefaultName, typeof(FileStorageOptions), result.Failures) : options;
    }
}

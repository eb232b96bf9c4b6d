using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Sessions.Sdk;

/// <summary>Registers a named chat provider with named, validated options; shared by the provider packages.</summary>
/// <remarks>Linked source (src/Shared/Providers), compiled into each provider package so none depends on another.</remarks>
internal static class ProviderRegistration
{
    /// <summary>Adds (or, for a name already added, configures again) a provider whose options are named after it.</summary>
    /// <remarks>Provider names are case-insensitive; options are keyed by the first spelling so later calls add to the same provider.
    /// Options are validated when the provider is first resolved and at host start (<c>ValidateOnStart</c>); a missing API key is
    /// not a validation failure: it fails the provider's first call, so one provider without its key breaks nothing else.
    /// Binding from configuration is the caller's <paramref name="bind"/> (only the overloads taking a configuration
    /// section bind), so the other overloads reach no reflection-based binder and stay trim- and AOT-safe.</remarks>
    public static ISessionsBuilder Add<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TValidator>(
        ISessionsBuilder builder,
        string name,
        Action<TOptions>? configure,
        Action<OptionsBuilder<TOptions>>? bind,
        Action<TOptions, IConfiguration?> applyDefaults,
        Func<string, TOptions, TimeProvider, ILoggerFactory, IChatProvider> createProvider)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);

        var services = builder.Services;
        var existing = services
            .Select(d => d.ServiceType == typeof(Registration<TOptions>) ? d.ImplementationInstance as Registration<TOptions> : null)
            .FirstOrDefault(r => r is not null && string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase));

        var optionsBuilder = services.AddOptions<TOptions>(existing?.Name ?? name);
        bind?.Invoke(optionsBuilder);

        if (configure is not null)
        {
            optionsBuilder.Configure(configure);
        }

        if (existing is not null)
        {
            return builder;
        }

        services.AddSingleton(new Registration<TOptions>(name));
        optionsBuilder
            .PostConfigure<IServiceProvider>((options, sp) => applyDefaults(options, sp.GetService<IConfiguration>()))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        services.AddSingleton<IChatProvider>(sp => createProvider(
            name,
            sp.GetRequiredService<IOptionsMonitor<TOptions>>().Get(name),
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance));
        return builder;
    }

    /// <summary>Reads a setting from configuration, then from the environment; blank values count as missing.</summary>
    public static string? Setting(IConfiguration? configuration, string key) =>
        NullIfBlank(configuration?[key]) ?? NullIfBlank(Environment.GetEnvironmentVariable(key));

    /// <summary>Reads an absolute URI setting from configuration or the environment.</summary>
    /// <exception cref="OptionsValidationException">The setting is not an absolute URI.</exception>
    public static Uri? UriSetting<TOptions>(IConfiguration? configuration, string key)
    {
        var value = Setting(configuration, key);
        return value is null ? null
            : Uri.TryCreate(value, UriKind.Absolute, out var uri) ? uri
            : throw new OptionsValidationException(typeof(TOptions).Name, typeof(TOptions), [$"{key} must be an absolute http or https URI; got '{value}'."]);
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>Marks a provider name as registered so repeated calls stay idempotent.</summary>
    private sealed record Registration<TOptions>(string Name);
}

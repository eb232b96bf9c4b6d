using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Sessions.Sdk;

/// <summary>Registers the Anthropic (Claude) chat provider.</summary>
public static class AnthropicSessionsBuilderExtensions
{
    /// <summary>Adds a chat provider over the official Anthropic SDK and its own <see cref="Microsoft.Extensions.AI.IChatClient"/> adapter.</summary>
    /// <param name="builder">The Sessions.Sdk builder.</param>
    /// <param name="name">The provider's name, used by sessions and <c>SessionsOptions.DefaultProvider</c>.</param>
    /// <param name="configure">Configures the provider; unset values fall back to <c>ANTHROPIC_API_KEY</c> and <c>ANTHROPIC_BASE_URL</c>.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <remarks>Calling it again with the same name adds configuration to the same provider rather than a second one.
    /// The SDK's own retries are disabled so the Sessions.Sdk resilience pipeline is the only retry layer.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or white space.</exception>
    public static ISessionsBuilder AddAnthropicProvider(this ISessionsBuilder builder, string name = "anthropic", Action<AnthropicProviderOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);

        var services = builder.Services;
        var existing = services
            .Select(d => d.ServiceType == typeof(AnthropicProviderRegistration) ? d.ImplementationInstance as AnthropicProviderRegistration : null)
            .FirstOrDefault(r => r is not null && string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase));

        // Provider names are case-insensitive; options are keyed by the first spelling so later calls add to the same provider.
        var optionsBuilder = services.AddOptions<AnthropicProviderOptions>(existing?.Name ?? name);
        if (configure is not null)
        {
            optionsBuilder.Configure(configure);
        }

        if (existing is not null)
        {
            return builder;
        }

        services.AddSingleton(new AnthropicProviderRegistration(name));
        optionsBuilder
            .PostConfigure<IServiceProvider>((options, sp) => ApplyDefaults(options, sp.GetService<IConfiguration>()))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AnthropicProviderOptions>, AnthropicProviderOptionsValidator>());
        services.AddSingleton<IChatProvider>(sp => new AnthropicChatProvider(
            name,
            sp.GetRequiredService<IOptionsMonitor<AnthropicProviderOptions>>().Get(name),
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance));
        return builder;
    }

    private static void ApplyDefaults(AnthropicProviderOptions options, IConfiguration? configuration)
    {
        if (string.IsNullOrWhiteSpace(options.ApiKey))
        {
            options.ApiKey = NullIfEmpty(configuration?["ANTHROPIC_API_KEY"]) ?? NullIfEmpty(Environment.GetEnvironmentVariable("ANTHROPIC_API_KEY"));
        }

        if (options.BaseUrl is null)
        {
            var baseUrl = NullIfEmpty(configuration?["ANTHROPIC_BASE_URL"]) ?? NullIfEmpty(Environment.GetEnvironmentVariable("ANTHROPIC_BASE_URL"));
            options.BaseUrl = baseUrl is null ? AnthropicProviderOptions.DefaultBaseUrl
                : Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) ? uri
                : throw new OptionsValidationException(nameof(AnthropicProviderOptions), typeof(AnthropicProviderOptions), [$"ANTHROPIC_BASE_URL must be an absolute http or https URI; got '{baseUrl}'."]);
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>Marks a provider name as registered so repeated calls stay idempotent.</summary>
    private sealed record AnthropicProviderRegistration(string Name);
}

using Microsoft.Extensions.Configuration;

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
        => ProviderRegistration.Add<AnthropicProviderOptions, AnthropicProviderOptionsValidator>(
            builder,
            name,
            configure,
            ApplyDefaults,
            static (providerName, options, timeProvider, loggerFactory) => new AnthropicChatProvider(providerName, options, timeProvider, loggerFactory));

    private static void ApplyDefaults(AnthropicProviderOptions options, IConfiguration? configuration)
    {
        if (string.IsNullOrWhiteSpace(options.ApiKey))
        {
            options.ApiKey = ProviderRegistration.Setting(configuration, "ANTHROPIC_API_KEY");
        }

        options.BaseUrl ??= ProviderRegistration.UriSetting<AnthropicProviderOptions>(configuration, "ANTHROPIC_BASE_URL") ?? AnthropicProviderOptions.DefaultBaseUrl;
    }
}

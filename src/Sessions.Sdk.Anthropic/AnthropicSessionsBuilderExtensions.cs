using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

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
    /// The SDK's own retries are disabled so the Sessions.Sdk resilience pipeline is the only retry layer. Options are
    /// validated when the provider is first resolved and at host start; a missing API key fails only this provider's
    /// calls, with a <see cref="ChatProviderException"/> naming <c>ANTHROPIC_API_KEY</c> and <c>AnthropicProviderOptions.ApiKey</c>.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or white space.</exception>
    public static ISessionsBuilder AddAnthropicProvider(this ISessionsBuilder builder, string name = "anthropic", Action<AnthropicProviderOptions>? configure = null)
        => ProviderRegistration.Add<AnthropicProviderOptions, AnthropicProviderOptionsValidator>(
            builder,
            name,
            configure,
            bind: null,
            ApplyDefaults,
            static (providerName, options, timeProvider, loggerFactory) => new AnthropicChatProvider(providerName, options, timeProvider, loggerFactory));

    /// <summary>Adds a chat provider whose <see cref="AnthropicProviderOptions"/> are bound from a configuration section.</summary>
    /// <param name="builder">The Sessions.Sdk builder.</param>
    /// <param name="name">The provider's name, used by sessions and <c>SessionsOptions.DefaultProvider</c>.</param>
    /// <param name="configuration">The section holding the options (for example <c>configuration.GetSection("Sessions:Providers:anthropic")</c>).</param>
    /// <param name="configure">Configures the provider after binding; unset values fall back to <c>ANTHROPIC_API_KEY</c> and <c>ANTHROPIC_BASE_URL</c>.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <remarks>Behaves as <see cref="AddAnthropicProvider(ISessionsBuilder, string, Action{AnthropicProviderOptions})"/> otherwise.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="configuration"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or white space.</exception>
    public static ISessionsBuilder AddAnthropicProvider(this ISessionsBuilder builder, string name, IConfiguration configuration, Action<AnthropicProviderOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        return ProviderRegistration.Add<AnthropicProviderOptions, AnthropicProviderOptionsValidator>(
            builder,
            name,
            configure,
            options => options.Bind(configuration),
            ApplyDefaults,
            static (providerName, options, timeProvider, loggerFactory) => new AnthropicChatProvider(providerName, options, timeProvider, loggerFactory));
    }

    private static void ApplyDefaults(AnthropicProviderOptions options, IConfiguration? configuration)
    {
        if (string.IsNullOrWhiteSpace(options.ApiKey))
        {
            options.ApiKey = ProviderRegistration.Setting(configuration, "ANTHROPIC_API_KEY");
        }

        options.BaseUrl ??= ProviderRegistration.UriSetting<AnthropicProviderOptions>(configuration, "ANTHROPIC_BASE_URL") ?? AnthropicProviderOptions.DefaultBaseUrl;
    }
}

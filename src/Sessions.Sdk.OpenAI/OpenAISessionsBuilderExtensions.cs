using Microsoft.Extensions.Configuration;

namespace Sessions.Sdk;

/// <summary>Registers OpenAI and OpenAI-compatible chat providers.</summary>
public static class OpenAISessionsBuilderExtensions
{
    /// <summary>Adds a chat provider over the official OpenAI SDK, for OpenAI or any OpenAI-compatible server.</summary>
    /// <param name="builder">The Sessions.Sdk builder.</param>
    /// <param name="name">The provider's name, used by sessions and <c>SessionsOptions.DefaultProvider</c>.</param>
    /// <param name="configure">Configures the provider; unset values fall back to <c>OPENAI_API_KEY</c> and <c>OPENAI_BASE_URL</c>.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <remarks>Calling it again with the same name adds configuration to the same provider rather than a second one.
    /// The SDK's own retries are disabled so the Sessions.Sdk resilience pipeline is the only retry layer.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or white space.</exception>
    public static ISessionsBuilder AddOpenAIProvider(this ISessionsBuilder builder, string name = "openai", Action<OpenAIProviderOptions>? configure = null)
        => ProviderRegistration.Add<OpenAIProviderOptions, OpenAIProviderOptionsValidator>(
            builder,
            name,
            configure,
            ApplyDefaults,
            static (providerName, options, timeProvider, loggerFactory) => new OpenAIChatProvider(providerName, options, timeProvider, loggerFactory));

    private static void ApplyDefaults(OpenAIProviderOptions options, IConfiguration? configuration)
    {
        if (string.IsNullOrWhiteSpace(options.ApiKey))
        {
            options.ApiKey = ProviderRegistration.Setting(configuration, "OPENAI_API_KEY");
        }

        options.Endpoint ??= ProviderRegistration.UriSetting<OpenAIProviderOptions>(configuration, "OPENAI_BASE_URL") ?? OpenAIProviderOptions.DefaultEndpoint;
    }
}

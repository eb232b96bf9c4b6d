using Microsoft.Extensions.Options;

namespace Sessions.Sdk;

/// <summary>Validates <see cref="AnthropicProviderOptions"/> after configuration and environment defaults were applied.</summary>
internal sealed class AnthropicProviderOptionsValidator : IValidateOptions<AnthropicProviderOptions>
{
    public ValidateOptionsResult Validate(string? name, AnthropicProviderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<string>? failures = null;

        var baseUrl = options.BaseUrl ?? AnthropicProviderOptions.DefaultBaseUrl;
        if (!baseUrl.IsAbsoluteUri || (baseUrl.Scheme != Uri.UriSchemeHttp && baseUrl.Scheme != Uri.UriSchemeHttps))
        {
            (failures ??= []).Add($"AnthropicProviderOptions.BaseUrl must be an absolute http or https URI; got '{baseUrl}'.");
        }

        if (options.DefaultModel is not null && string.IsNullOrWhiteSpace(options.DefaultModel))
        {
            (failures ??= []).Add("AnthropicProviderOptions.DefaultModel must be null or a model name, not white space.");
        }

        if (options.DefaultMaxOutputTokens <= 0)
        {
            (failures ??= []).Add($"AnthropicProviderOptions.DefaultMaxOutputTokens must be positive; got {options.DefaultMaxOutputTokens}.");
        }

        if (options.Timeout <= TimeSpan.Zero)
        {
            (failures ??= []).Add($"AnthropicProviderOptions.Timeout must be positive; got {options.Timeout}.");
        }

        return failures is null ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

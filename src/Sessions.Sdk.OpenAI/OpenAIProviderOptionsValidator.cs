using Microsoft.Extensions.Options;

namespace Sessions.Sdk;

/// <summary>Validates <see cref="OpenAIProviderOptions"/> after configuration and environment defaults were applied.</summary>
internal sealed class OpenAIProviderOptionsValidator : IValidateOptions<OpenAIProviderOptions>
{
    public ValidateOptionsResult Validate(string? name, OpenAIProviderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<string>? failures = null;

        var endpoint = options.Endpoint ?? OpenAIProviderOptions.DefaultEndpoint;
        if (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
        {
            (failures ??= []).Add($"OpenAIProviderOptions.Endpoint must be an absolute http or https URI; got '{endpoint}'.");
        }

        if (options.DefaultModel is not null && string.IsNullOrWhiteSpace(options.DefaultModel))
        {
            (failures ??= []).Add("OpenAIProviderOptions.DefaultModel must be null or a model name, not white space.");
        }

        if (options.NetworkTimeout <= TimeSpan.Zero && options.NetworkTimeout != Timeout.InfiniteTimeSpan)
        {
            (failures ??= []).Add($"OpenAIProviderOptions.NetworkTimeout must be positive or Timeout.InfiniteTimeSpan; got {options.NetworkTimeout}.");
        }

        return failures is null ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

using Microsoft.Extensions.Options;

namespace Sessions.Sdk;

/// <summary>Validates <see cref="SessionsOptions"/>, naming every option that is out of range.</summary>
internal sealed class SessionsOptionsValidator : IValidateOptions<SessionsOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, SessionsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<string>? failures = null;
        void Fail(string message) => (failures ??= []).Add(message);

        if (options.DefaultProvider is { } provider && string.IsNullOrWhiteSpace(provider))
        {
            Fail("SessionsOptions.DefaultProvider must not be empty or white space; leave it null to use the only registered provider.");
        }

        if (options.DefaultModel is { } model && string.IsNullOrWhiteSpace(model))
        {
            Fail("SessionsOptions.DefaultModel must not be empty or white space; leave it null to use the provider's default model.");
        }

        if (options.Temperature is { } t && (float.IsNaN(t) || t < 0f || t > 2f))
        {
            Fail($"SessionsOptions.Temperature must be between 0 and 2 (was {t}).");
        }

        if (options.MaxOutputTokens is <= 0)
        {
            Fail($"SessionsOptions.MaxOutputTokens must be greater than 0 (was {options.MaxOutputTokens}).");
        }

        if (options.MaxHistoryMessages is <= 0)
        {
            Fail($"SessionsOptions.MaxHistoryMessages must be greater than 0 (was {options.MaxHistoryMessages}).");
        }

        if (options.MaxToolIterations is < 1 or > 1000)
        {
            Fail($"SessionsOptions.MaxToolIterations must be between 1 and 1000 (was {options.MaxToolIterations}).");
        }

        return failures is null ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

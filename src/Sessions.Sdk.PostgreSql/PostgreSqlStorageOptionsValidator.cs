using Microsoft.Extensions.Options;

namespace Sessions.Sdk;

/// <summary>Validates <see cref="PostgreSqlStorageOptions"/> at host start and when the store is first resolved, with the options' own rule.</summary>
internal sealed class PostgreSqlStorageOptionsValidator : IValidateOptions<PostgreSqlStorageOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, PostgreSqlStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate(requireConnectionString: options.DataSource is null);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}

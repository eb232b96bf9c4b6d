using Microsoft.Extensions.Options;

namespace Sessions.Sdk;

/// <summary>Validates <see cref="SqliteStorageOptions"/> at host start and when the store is first resolved, with the options' own rule.</summary>
internal sealed class SqliteStorageOptionsValidator : IValidateOptions<SqliteStorageOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, SqliteStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return StorageOptionsRegistration.Check(options.Validate);
    }
}

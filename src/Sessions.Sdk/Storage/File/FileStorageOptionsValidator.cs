using Microsoft.Extensions.Options;

namespace Sessions.Sdk;

/// <summary>Validates <see cref="FileStorageOptions"/> at host start and when the store is first resolved, with the options' own rule.</summary>
/// <remarks>After the values, it checks the folder can be used (<see cref="FileStorageLocation.Check"/>: created if missing, writable), naming <see cref="FileStorageOptions.Directory"/>.</remarks>
internal sealed class FileStorageOptionsValidator : IValidateOptions<FileStorageOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, FileStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var values = StorageOptionsRegistration.Check(options.Validate);
        if (values.Failed) return values;
        return FileStorageLocation.Check(options.ResolveDirectory()) is { } failure ? ValidateOptionsResult.Fail(failure) : ValidateOptionsResult.Success;
    }
}

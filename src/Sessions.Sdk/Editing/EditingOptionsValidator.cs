using Microsoft.Extensions.Options;

namespace Sessions.Sdk;

/// <summary>Validates <see cref="EditingOptions"/>, naming every option that is out of range.</summary>
internal sealed class EditingOptionsValidator : IValidateOptions<EditingOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, EditingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<string>? failures = null;
        if (options.MaxFileSize is < 1 or > int.MaxValue / 4)
        {
            (failures ??= []).Add($"EditingOptions.MaxFileSize must be between 1 and {int.MaxValue / 4} bytes (was {options.MaxFileSize}).");
        }

        if (options.DiffContextLines is < 0 or > 100)
        {
            (failures ??= []).Add($"EditingOptions.DiffContextLines must be between 0 and 100 (was {options.DiffContextLines}).");
        }

        if (options.MaxProposalFiles is < 1 or > 1000)
        {
            (failures ??= []).Add($"EditingOptions.MaxProposalFiles must be between 1 and 1000 (was {options.MaxProposalFiles}).");
        }

        if (!Enum.IsDefined(options.ProposalFormat))
        {
            (failures ??= []).Add($"EditingOptions.ProposalFormat must be Json or ToolCalls (was {(int)options.ProposalFormat}).");
        }

        return failures is null ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

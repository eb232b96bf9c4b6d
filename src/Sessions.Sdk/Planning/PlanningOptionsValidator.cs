using Microsoft.Extensions.Options;

namespace Sessions.Sdk;

/// <summary>Validates <see cref="PlanningOptions"/>, naming every option that is out of range.</summary>
internal sealed class PlanningOptionsValidator : IValidateOptions<PlanningOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, PlanningOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<string>? failures = null;
        void Fail(string message) => (failures ??= []).Add(message);

        if (options.MaxSteps is < 1 or > 1000)
        {
            Fail($"PlanningOptions.MaxSteps must be between 1 and 1000 (was {options.MaxSteps}).");
        }

        if (options.StepTimeout != Timeout.InfiniteTimeSpan && (options.StepTimeout <= TimeSpan.Zero || options.StepTimeout.TotalMilliseconds > uint.MaxValue - 1))
        {
            Fail($"PlanningOptions.StepTimeout must be positive and at most 49 days, or Timeout.InfiniteTimeSpan (was {options.StepTimeout}).");
        }

        if (options.MaxParallelSteps is < 1 or > 256)
        {
            Fail($"PlanningOptions.MaxParallelSteps must be between 1 and 256 (was {options.MaxParallelSteps}).");
        }

        if (options.MaxStepRetries is < 0 or > 100)
        {
            Fail($"PlanningOptions.MaxStepRetries must be between 0 and 100 (was {options.MaxStepRetries}).");
        }

        return failures is null ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

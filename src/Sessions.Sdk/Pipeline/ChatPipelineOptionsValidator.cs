using Microsoft.Extensions.Options;

namespace Sessions.Sdk;

/// <summary>Validates <see cref="ChatPipelineOptions"/> when they are first used (and at host start), naming every bad option.</summary>
internal sealed class ChatPipelineOptionsValidator : IValidateOptions<ChatPipelineOptions>
{
    public ValidateOptionsResult Validate(string? name, ChatPipelineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.Resilience.FindProblem() is { } problem)
        {
            failures.Add(problem);
        }

        if (options.ToolInvocation.MaxConsecutiveErrors is < 0 or > 100)
        {
            failures.Add($"{nameof(ToolInvocationOptions)}.{nameof(ToolInvocationOptions.MaxConsecutiveErrors)} must be between 0 and 100 (was {options.ToolInvocation.MaxConsecutiveErrors}).");
        }

        if (options.ContextPolicy is null)
        {
            failures.Add($"{nameof(ChatPipelineOptions)}.{nameof(ChatPipelineOptions.ContextPolicy)} must not be null; use ChatContextPolicy.None.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>Configures how the chat pipeline invokes the functions a model asks for.</summary>
public sealed class ToolInvocationOptions
{
    /// <summary>Gets or sets the maximum number of tool rounds per user turn; the model then answers without tools.</summary>
    /// <value>The default value is 10. Zero disables tool invocation.</value>
    public int MaxIterations { get; set; } = 10;

    /// <summary>Gets or sets a value indicating whether several calls requested in one response run concurrently.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool AllowConcurrentInvocation { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether a failing tool's exception message is reported to the model.</summary>
    /// <value>The default value is <see langword="true"/>; when <see langword="false"/> the model only learns that the tool failed.</value>
    public bool IncludeDetailedErrors { get; set; } = true;

    /// <summary>Gets or sets how many consecutive rounds may contain a failing tool before the exception is rethrown.</summary>
    /// <value>The default value is 3.</value>
    public int MaxConsecutiveErrors { get; set; } = 3;

    /// <summary>Gets the tools that may be invoked even when a request does not list them in <see cref="ChatOptions.Tools"/>.</summary>
    public IList<AITool> AdditionalTools { get; } = [];

    /// <summary>Throws when a value is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is negative.</exception>
    internal void Validate()
    {
        if (MaxIterations < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxIterations), MaxIterations, $"{nameof(ToolInvocationOptions)}.{nameof(MaxIterations)} must be zero or more.");
        }

        if (MaxConsecutiveErrors < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxConsecutiveErrors), MaxConsecutiveErrors, $"{nameof(ToolInvocationOptions)}.{nameof(MaxConsecutiveErrors)} must be zero or more.");
        }
    }
}

namespace Sessions.Sdk;

/// <summary>Configures how M.E.AI's <c>FunctionInvokingChatClient</c> invokes the functions a model asks for in a session.</summary>
/// <remarks>The number of tool rounds per turn is <see cref="SessionsOptions.MaxToolIterations"/>.</remarks>
public sealed class ToolInvocationOptions
{
    /// <summary>Gets or sets a value indicating whether several calls requested in one response run concurrently.</summary>
    /// <value>
    /// The default value is <see langword="false"/>, as in M.E.AI: calls run one after another, so tools written for sequential use
    /// (shared state, a request's context) stay correct. Set it to <see langword="true"/> for independent, thread-safe tools.
    /// </value>
    public bool AllowConcurrentInvocation { get; set; }

    /// <summary>Gets or sets a value indicating whether a failing tool's exception message is sent to the model.</summary>
    /// <value>
    /// The default value is <see langword="false"/>, as in M.E.AI: the model only learns that the tool failed, so exception details
    /// (paths, secrets) never reach it or its user. The stored result keeps the exception for the application either way.
    /// </value>
    public bool IncludeDetailedErrors { get; set; }

    /// <summary>Gets or sets how many consecutive rounds may contain a failing tool before the exception is rethrown.</summary>
    /// <value>The default value is 3; between 0 and 100.</value>
    public int MaxConsecutiveErrors { get; set; } = 3;
}

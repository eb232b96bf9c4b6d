namespace Sessions.Sdk;

/// <summary>Configures the chat pipeline sessions call models through: tool invocation, resilience, context policy and telemetry.</summary>
/// <remarks>
/// Binds from configuration (for example <c>services.Configure&lt;ChatPipelineOptions&gt;(configuration.GetSection("Sessions:Chat"))</c>);
/// validated when first used and at host start. The tool-round limit is <see cref="SessionsOptions.MaxToolIterations"/>.
/// </remarks>
public sealed class ChatPipelineOptions
{
    /// <summary>Gets the tool-invocation options (passed to M.E.AI's <c>FunctionInvokingChatClient</c>).</summary>
    public ToolInvocationOptions ToolInvocation { get; } = new();

    /// <summary>Gets the retry, timeout, circuit-breaker and fallback options.</summary>
    public ChatResilienceOptions Resilience { get; } = new();

    /// <summary>Gets or sets the policy that chooses which of the loaded history messages are sent.</summary>
    /// <value>
    /// The default value is <see cref="ChatContextPolicy.TokenBudget"/> with no fixed budget: the model's context window from the
    /// catalog minus its output tokens (the history is sent unchanged when the catalog does not know the model).
    /// </value>
    public ChatContextPolicy ContextPolicy { get; set; } = ChatContextPolicy.TokenBudget();

    /// <summary>Gets or sets a value indicating whether model calls are traced and measured (M.E.AI's <c>OpenTelemetryChatClient</c> on <see cref="SessionsTelemetry.ActivitySourceName"/>).</summary>
    /// <value>The default value is <see langword="true"/>; it costs nothing while no listener subscribes. Message content is never recorded.</value>
    public bool EnableTelemetry { get; set; } = true;
}

namespace Sessions.Sdk;

/// <summary>Configures the chat pipeline sessions call models through: tool invocation, resilience, context policy and telemetry.</summary>
/// <remarks>Per-session settings (system prompt, temperature, history window, tool limit) live in <see cref="SessionsOptions"/>.</remarks>
public sealed class ChatPipelineOptions
{
    /// <summary>Gets the tool-invocation options.</summary>
    /// <remarks>A session's <see cref="SessionsOptions.MaxToolIterations"/> overrides <see cref="ToolInvocationOptions.MaxIterations"/>.</remarks>
    public ToolInvocationOptions ToolInvocation { get; } = new();

    /// <summary>Gets the retry, timeout, circuit-breaker and fallback options.</summary>
    public ChatResilienceOptions Resilience { get; } = new();

    /// <summary>Gets or sets the policy that chooses which history messages are sent.</summary>
    /// <value>The default value is <see cref="ChatContextPolicy.None"/>: the loaded history window is sent unchanged.</value>
    public ChatContextPolicy ContextPolicy { get; set; } = ChatContextPolicy.None;

    /// <summary>Gets or sets a value indicating whether model calls are traced and measured (<see cref="SessionsTelemetry"/>).</summary>
    /// <value>The default value is <see langword="true"/>; it costs nothing while no listener subscribes.</value>
    public bool EnableTelemetry { get; set; } = true;
}

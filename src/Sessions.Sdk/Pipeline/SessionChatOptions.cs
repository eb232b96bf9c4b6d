using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>Carries per-call session settings through the pipeline without leaking them to providers.</summary>
/// <remarks>Delegating clients pass options through unchanged; providers only read the base <see cref="ChatOptions"/> members.</remarks>
internal sealed class SessionChatOptions : ChatOptions
{
    public SessionChatOptions()
    {
    }

    /// <summary>Copies a caller's options (and the session settings when they are session options).</summary>
    public SessionChatOptions(ChatOptions? other)
        : base(other)
    {
        if (other is SessionChatOptions session)
        {
            ToolStepCallback = session.ToolStepCallback;
            MaxToolIterations = session.MaxToolIterations;
            ProviderName = session.ProviderName;
        }
    }

    /// <summary>Gets or sets the callback told of every completed tool round, so the session persists it at once.</summary>
    /// <remarks>When set, the final response holds only the last round's messages and usage.</remarks>
    public Func<ChatToolStep, CancellationToken, ValueTask>? ToolStepCallback { get; set; }

    /// <summary>Gets or sets the session's tool-round limit, overriding the pipeline's default.</summary>
    public int? MaxToolIterations { get; set; }

    /// <summary>Gets or sets the session's provider name, for telemetry.</summary>
    public string? ProviderName { get; set; }

    public override ChatOptions Clone() => new SessionChatOptions(this);
}

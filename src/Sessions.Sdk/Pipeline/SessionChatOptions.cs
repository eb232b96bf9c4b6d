using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>Carries one session turn's state through the pipeline without leaking it to providers.</summary>
/// <remarks>Delegating clients pass options through (or clone them, which keeps the turn); providers read only the base members.</remarks>
internal sealed class SessionChatOptions : ChatOptions
{
    public SessionChatOptions()
    {
    }

    /// <summary>Copies a caller's options (and the turn when they are session options).</summary>
    public SessionChatOptions(ChatOptions? other)
        : base(other)
    {
        if (other is SessionChatOptions session)
        {
            Turn = session.Turn;
        }
    }

    /// <summary>Gets or sets the turn the call belongs to: it records each model round and stores completed tool rounds.</summary>
    public ChatTurnState? Turn { get; set; }

    public override ChatOptions Clone() => new SessionChatOptions(this);
}

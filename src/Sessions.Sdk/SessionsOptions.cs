namespace Sessions.Sdk;

/// <summary>Configures the session manager and the sessions it opens; binds from configuration (section <c>Sessions</c> by convention).</summary>
/// <remarks>Validated when the session manager is first resolved (and at host start); a bad value fails with the option's name.</remarks>
public sealed class SessionsOptions
{
    /// <summary>Gets or sets the chat provider used by sessions that name none.</summary>
    /// <value>The default value is <see langword="null"/>: the only registered provider, if exactly one is registered.</value>
    public string? DefaultProvider { get; set; }

    /// <summary>Gets or sets the model used by sessions that name none.</summary>
    /// <value>The default value is <see langword="null"/>: the provider's own default model.</value>
    public string? DefaultModel { get; set; }

    /// <summary>Gets or sets a value indicating whether sessions persist every change before the call returns.</summary>
    /// <value>The default value is <see langword="true"/>. When <see langword="false"/>, changes are buffered until <see cref="Session.SaveAsync"/>.</value>
    public bool Autosave { get; set; } = true;

    /// <summary>Gets or sets the system prompt given to new sessions that set none.</summary>
    /// <value>The default value is <see langword="null"/> (no system prompt).</value>
    public string? SystemPrompt { get; set; }

    /// <summary>Gets or sets the sampling temperature sent with every model call that does not set one.</summary>
    /// <value>The default value is <see langword="null"/> (the provider's default); otherwise between 0 and 2.</value>
    public float? Temperature { get; set; }

    /// <summary>Gets or sets the maximum number of tokens a reply may have, for calls that do not set one.</summary>
    /// <value>The default value is <see langword="null"/> (the provider's default); otherwise greater than 0.</value>
    public int? MaxOutputTokens { get; set; }

    /// <summary>Gets or sets how many of the latest messages are sent as history with each model call.</summary>
    /// <value>The default value is <see langword="null"/> (the whole history); otherwise greater than 0.</value>
    public int? MaxHistoryMessages { get; set; }

    /// <summary>Gets or sets a value indicating whether tools given in <c>ChatOptions.Tools</c> are invoked automatically.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool ToolsEnabled { get; set; } = true;

    /// <summary>Gets or sets how many model round trips a single send may make while invoking tools.</summary>
    /// <value>The default value is 10; between 1 and 1000.</value>
    public int MaxToolIterations { get; set; } = 10;
}

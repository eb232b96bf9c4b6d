namespace Sessions.Sdk;

/// <summary>Configures the session manager and the sessions it opens; binds from configuration (section <c>Sessions</c> by convention).</summary>
/// <remarks>Validated when the session manager is first resolved (and at host start); a bad value fails with the option's name.</remarks>
public sealed class SessionsOptions
{
    /// <summary>The default of <see cref="MaxHistoryMessages"/>: 100 messages, like the <c>max_history</c> of common chat tools.</summary>
    public const int DefaultMaxHistoryMessages = 100;

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

    /// <summary>Gets or sets how many of the latest messages a turn reads and sends as history (a session may override it).</summary>
    /// <value>
    /// The default value is 100, so a turn's cost does not grow with the session's length; <see langword="null"/> reads and sends the
    /// whole transcript; otherwise greater than 0. The context policy (by default the model's context window as a token budget)
    /// then trims what is read. See <see cref="Session.MaxHistoryMessages"/>.
    /// </value>
    public int? MaxHistoryMessages { get; set; } = DefaultMaxHistoryMessages;

    /// <summary>Gets or sets a value indicating whether sessions offer the registered tools and invoke the functions the model asks for.</summary>
    /// <value>
    /// The default value is <see langword="true"/>. When <see langword="false"/>, global and session tools are not sent, tools given in
    /// <c>ChatOptions.Tools</c> are sent as declarations only and never invoked, and a call the model makes anyway is stored with a
    /// not-invoked result.
    /// </value>
    public bool ToolsEnabled { get; set; } = true;

    /// <summary>Gets or sets how many tool rounds a single send may run (M.E.AI's <c>MaximumIterationsPerRequest</c>); the model is then asked to answer without tools.</summary>
    /// <value>The default value is 10; between 1 and 1000.</value>
    public int MaxToolIterations { get; set; } = 10;
}

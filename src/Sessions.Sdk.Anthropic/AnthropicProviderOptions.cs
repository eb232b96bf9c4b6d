namespace Sessions.Sdk;

/// <summary>Configures the Anthropic (Claude) chat provider.</summary>
/// <remarks>Unset values fall back to configuration and the environment: <c>ANTHROPIC_API_KEY</c>, <c>ANTHROPIC_BASE_URL</c>.</remarks>
public sealed class AnthropicProviderOptions
{
    /// <summary>Gets the API address used when neither <see cref="BaseUrl"/> nor <c>ANTHROPIC_BASE_URL</c> is set.</summary>
    public static Uri DefaultBaseUrl { get; } = new("https://api.anthropic.com");

    /// <summary>Gets or sets the API key (the Anthropic SDK sends it in the <c>Authorization</c> header).</summary>
    /// <value>The default value is <see langword="null"/>: <c>ANTHROPIC_API_KEY</c> is used.</value>
    public string? ApiKey { get; set; }

    /// <summary>Gets or sets the API's base address (without <c>/v1</c>).</summary>
    /// <value>The default value is <see langword="null"/>: <c>ANTHROPIC_BASE_URL</c>, else <see cref="DefaultBaseUrl"/>.</value>
    public Uri? BaseUrl { get; set; }

    /// <summary>Gets or sets the model used when a session names none.</summary>
    /// <value>The default value is <c>claude-sonnet-4-5</c>.</value>
    public string? DefaultModel { get; set; } = "claude-sonnet-4-5";

    /// <summary>Gets or sets the maximum output tokens sent when a call sets none (the Messages API requires one).</summary>
    /// <value>The default value is 4096.</value>
    public int DefaultMaxOutputTokens { get; set; } = 4096;

    /// <summary>Gets or sets how long one HTTP call may take, and how long a stream may go without sending an event.</summary>
    /// <value>The default value is 10 minutes.</value>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Returns a description of the options that never includes the API key.</summary>
    /// <returns>The base URL, default model and whether a key is set.</returns>
    public override string ToString() =>
        $"AnthropicProviderOptions {{ BaseUrl = {BaseUrl?.ToString() ?? "(default)"}, DefaultModel = {DefaultModel ?? "(none)"}, ApiKey = {(string.IsNullOrEmpty(ApiKey) ? "(none)" : "***")} }}";
}

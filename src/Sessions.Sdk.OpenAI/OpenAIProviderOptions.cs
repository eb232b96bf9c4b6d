namespace Sessions.Sdk;

/// <summary>Configures an OpenAI or OpenAI-compatible (Ollama, vLLM, llama.cpp, LM Studio) chat provider.</summary>
/// <remarks>Unset values fall back to configuration and the environment: <c>OPENAI_API_KEY</c>, <c>OPENAI_BASE_URL</c>.</remarks>
public sealed class OpenAIProviderOptions
{
    /// <summary>Gets the endpoint used when neither <see cref="Endpoint"/> nor <c>OPENAI_BASE_URL</c> is set.</summary>
    public static Uri DefaultEndpoint { get; } = new("https://api.openai.com/v1");

    /// <summary>Gets or sets the API key sent as a bearer token.</summary>
    /// <value>The default value is <see langword="null"/>: <c>OPENAI_API_KEY</c> is used; local servers may need none.</value>
    public string? ApiKey { get; set; }

    /// <summary>Gets or sets the base URL of the OpenAI-compatible API, including its version path (such as <c>/v1</c>).</summary>
    /// <value>The default value is <see langword="null"/>: <c>OPENAI_BASE_URL</c>, else <see cref="DefaultEndpoint"/>.</value>
    public Uri? Endpoint { get; set; }

    /// <summary>Gets or sets the model used when a session names none.</summary>
    /// <value>The default value is <c>gpt-4o-mini</c>.</value>
    public string? DefaultModel { get; set; } = "gpt-4o-mini";

    /// <summary>Gets or sets the OpenAI organization id sent with each request.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? Organization { get; set; }

    /// <summary>Gets or sets the OpenAI project id sent with each request.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? Project { get; set; }

    /// <summary>Gets or sets how long one HTTP attempt (or the wait for the next streamed chunk) may take.</summary>
    /// <value>The default value is 5 minutes.</value>
    public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Returns a description of the options that never includes the API key.</summary>
    /// <returns>The endpoint, default model and whether a key is set.</returns>
    public override string ToString() =>
        $"OpenAIProviderOptions {{ Endpoint = {Endpoint?.ToString() ?? "(default)"}, DefaultModel = {DefaultModel ?? "(none)"}, ApiKey = {(string.IsNullOrEmpty(ApiKey) ? "(none)" : "***")} }}";
}

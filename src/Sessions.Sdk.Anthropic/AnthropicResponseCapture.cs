namespace Sessions.Sdk;

/// <summary>Carries the retry hints of a failed HTTP response from the handler back to the call that made it.</summary>
/// <remarks>The Anthropic SDK's exceptions do not expose response headers, so <see cref="AnthropicResponseCaptureHandler"/>
/// records <c>Retry-After</c> into the capture that the current asynchronous flow installed.</remarks>
internal sealed class AnthropicResponseCapture
{
    private static readonly AsyncLocal<AnthropicResponseCapture?> CurrentCapture = new();

    /// <summary>Gets the capture of the current asynchronous flow, if any.</summary>
    public static AnthropicResponseCapture? Current => CurrentCapture.Value;

    /// <summary>Gets or sets the raw <c>retry-after-ms</c> header of the last failed response.</summary>
    public string? RetryAfterMs { get; set; }

    /// <summary>Gets or sets the raw <c>Retry-After</c> header of the last failed response.</summary>
    public string? RetryAfter { get; set; }

    /// <summary>Installs a fresh capture for the current asynchronous flow and everything it calls.</summary>
    public static AnthropicResponseCapture Install()
    {
        var capture = new AnthropicResponseCapture();
        CurrentCapture.Value = capture;
        return capture;
    }
}

namespace Sessions.Sdk;

/// <summary>Records the retry hints of failed responses into <see cref="AnthropicResponseCapture.Current"/>.</summary>
internal sealed class AnthropicResponseCaptureHandler : DelegatingHandler
{
    public AnthropicResponseCaptureHandler(HttpMessageHandler innerHandler)
        : base(innerHandler)
    {
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode && AnthropicResponseCapture.Current is { } capture)
        {
            capture.RetryAfterMs = response.Headers.TryGetValues("retry-after-ms", out var ms) ? ms.FirstOrDefault() : null;
            capture.RetryAfter = response.Headers.TryGetValues("Retry-After", out var ra) ? ra.FirstOrDefault() : null;
        }

        return response;
    }
}

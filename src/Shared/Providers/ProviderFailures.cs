using System.Globalization;
using System.Text.Json;

namespace Sessions.Sdk;

/// <summary>Helpers shared by the provider adapters to classify failures and build safe messages.</summary>
/// <remarks>Linked source (src/Shared/Providers), compiled into each provider package so none depends on another.</remarks>
internal static class ProviderFailures
{
    private const int MaxServerMessageLength = 500;
    private const string Redacted = "[REDACTED]";

    /// <summary>Returns whether an HTTP status code is worth retrying (408, 409, 429, 5xx and Anthropic's 529).</summary>
    public static bool IsTransientStatus(int statusCode) => statusCode is 408 or 409 or 429 or >= 500;

    /// <summary>Parses <c>retry-after-ms</c> (milliseconds) or <c>Retry-After</c> (seconds or an HTTP date).</summary>
    public static TimeSpan? ParseRetryAfter(string? retryAfterMs, string? retryAfter, DateTimeOffset now)
    {
        if (!string.IsNullOrWhiteSpace(retryAfterMs)
            && double.TryParse(retryAfterMs.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var ms)
            && ms >= 0 && ms < TimeSpan.MaxValue.TotalMilliseconds)
        {
            return TimeSpan.FromMilliseconds(ms);
        }

        if (string.IsNullOrWhiteSpace(retryAfter))
        {
            return null;
        }

        var value = retryAfter.Trim();
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            return seconds >= 0 && seconds < TimeSpan.MaxValue.TotalSeconds ? TimeSpan.FromSeconds(seconds) : null;
        }

        if (DateTimeOffset.TryParseExact(value, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
            || DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out date))
        {
            var delay = date - now;
            return delay > TimeSpan.Zero ? delay : TimeSpan.Zero;
        }

        return null;
    }

    /// <summary>Replaces every occurrence of a secret in a text.</summary>
    public static string Redact(string text, string? secret) =>
        string.IsNullOrEmpty(secret) || string.IsNullOrEmpty(text) ? text : text.Replace(secret, Redacted, StringComparison.Ordinal);

    /// <summary>Returns whether a text contains a secret.</summary>
    public static bool Contains(string? text, string? secret) =>
        !string.IsNullOrEmpty(secret) && !string.IsNullOrEmpty(text) && text.Contains(secret, StringComparison.Ordinal);

    /// <summary>Extracts a short, redacted error description from an error response body (JSON or text).</summary>
    public static string? DescribeBody(string? body, string? secret)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        var text = TryGetJsonErrorMessage(body) ?? body.Trim();
        text = Redact(text, secret).ReplaceLineEndings(" ");
        return text.Length <= MaxServerMessageLength ? text : string.Concat(text.AsSpan(0, MaxServerMessageLength), "...");
    }

    /// <summary>Returns whether an exception (or one of its inner exceptions) is a network-level failure.</summary>
    public static bool IsNetworkFailure(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException or IOException or System.Net.Sockets.SocketException)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Returns whether an exception (or one of its inner exceptions) is a timeout rather than the caller's cancellation.</summary>
    public static bool IsTimeout(Exception exception, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return false;
        }

        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is TimeoutException or OperationCanceledException)
            {
                return true;
            }
        }

        return false;
    }

    private static string? TryGetJsonErrorMessage(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            if (root.TryGetProperty("error", out var error))
            {
                if (error.ValueKind == JsonValueKind.String)
                {
                    return error.GetString();
                }

                if (error.ValueKind == JsonValueKind.Object)
                {
                    var type = error.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                    var message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
                    return (type, message) switch
                    {
                        (null, null) => null,
                        (null, _) => message,
                        (_, null) => type,
                        _ => $"{type}: {message}",
                    };
                }
            }

            return root.TryGetProperty("message", out var msg) && msg.ValueKind == JsonValueKind.String ? msg.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

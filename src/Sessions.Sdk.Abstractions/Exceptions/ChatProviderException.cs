namespace Sessions.Sdk;

/// <summary>Represents a failed model call, translated from a provider SDK's error so retry policies can classify it.</summary>
/// <remarks>Provider adapters throw it with the vendor exception as <see cref="Exception.InnerException"/>. It never carries credentials.</remarks>
public sealed class ChatProviderException : SessionsException
{
    /// <summary>Initializes a new instance of the <see cref="ChatProviderException"/> class.</summary>
    /// <param name="providerName">The provider that failed.</param>
    /// <param name="message">What failed, without credentials.</param>
    /// <param name="statusCode">The HTTP status code, when the server answered.</param>
    /// <param name="isTransient">Whether retrying may succeed (429, 5xx, timeouts, connection resets, truncated streams).</param>
    /// <param name="retryAfter">The delay the server asked for (Retry-After), if any.</param>
    /// <param name="innerException">The vendor exception.</param>
    public ChatProviderException(string providerName, string message, int? statusCode, bool isTransient, TimeSpan? retryAfter = null, Exception? innerException = null)
        : base(message, innerException)
    {
        ProviderName = providerName;
        StatusCode = statusCode;
        IsTransient = isTransient;
        RetryAfter = retryAfter;
    }

    /// <summary>Gets the provider that failed.</summary>
    public string ProviderName { get; }

    /// <summary>Gets the HTTP status code, when the server answered.</summary>
    public int? StatusCode { get; }

    /// <summary>Gets a value indicating whether retrying may succeed.</summary>
    public bool IsTransient { get; }

    /// <summary>Gets the delay the server asked for before retrying, if any.</summary>
    public TimeSpan? RetryAfter { get; }
}

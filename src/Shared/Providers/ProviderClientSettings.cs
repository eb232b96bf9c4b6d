using Microsoft.Extensions.Logging;

namespace Sessions.Sdk;

/// <summary>What every chat client of one provider shares: its name, address, secret to redact, timeouts, clock and logger.</summary>
/// <param name="ProviderName">The provider's registered name.</param>
/// <param name="Endpoint">The API address (only its authority appears in messages).</param>
/// <param name="ApiKey">The API key to redact from every message, or <see langword="null"/>.</param>
/// <param name="MissingKeyMessage">The one-line message of the call that finds no key where one is required; <see langword="null"/> when none is missing.</param>
/// <param name="Timeout">The per-attempt network timeout, named in timeout messages.</param>
/// <param name="StreamIdleTimeout">How long a stream may go without an update; <see langword="null"/> when the SDK enforces it.</param>
/// <param name="TimeProvider">The clock that dates Retry-After.</param>
/// <param name="Logger">The provider's logger.</param>
/// <remarks>Linked source (src/Shared/Providers), compiled into each provider package so none depends on another.</remarks>
internal sealed record ProviderClientSettings(
    string ProviderName,
    Uri Endpoint,
    string? ApiKey,
    string? MissingKeyMessage,
    TimeSpan Timeout,
    TimeSpan? StreamIdleTimeout,
    TimeProvider TimeProvider,
    ILogger Logger)
{
    /// <summary>Builds the one-line message of a provider whose key is missing, naming the environment variable and the option.</summary>
    public static string MissingKey(string providerName, string host, string environmentVariable, string optionName, string registration) =>
        $"Chat provider '{providerName}' has no API key for {host}: set the {environmentVariable} environment variable or {optionName} ({registration}).";
}

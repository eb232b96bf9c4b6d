using Microsoft.Extensions.Logging;

namespace Sessions.Sdk;

/// <summary>What every chat client of one provider shares: its name, endpoint, secret to redact, timeout, clock and logger.</summary>
internal sealed record OpenAIChatClientSettings(
    string ProviderName,
    Uri Endpoint,
    string? ApiKey,
    TimeSpan NetworkTimeout,
    TimeProvider TimeProvider,
    ILogger Logger);

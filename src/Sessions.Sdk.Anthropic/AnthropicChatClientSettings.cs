using Microsoft.Extensions.Logging;

namespace Sessions.Sdk;

/// <summary>What every chat client of one Anthropic provider shares: its name, address, secret to redact, timeout, clock and logger.</summary>
internal sealed record AnthropicChatClientSettings(
    string ProviderName,
    Uri BaseUrl,
    string? ApiKey,
    TimeSpan Timeout,
    TimeProvider TimeProvider,
    ILogger Logger);

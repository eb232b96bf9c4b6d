using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>The built, cached pipeline for one provider and model.</summary>
/// <param name="Client">The outermost client: context policy, tool loop, logging, resilience, telemetry, provider.</param>
/// <param name="ProviderName">The provider's registered name.</param>
/// <param name="ModelId">The model requested, if any.</param>
/// <param name="Model">The model's catalog entry, if any.</param>
internal sealed record ChatPipeline(IChatClient Client, string ProviderName, string? ModelId, ChatModelInfo? Model);

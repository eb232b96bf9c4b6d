using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>Middleware an application adds to every session's pipeline (or one provider's) through <c>ConfigureChatClient</c>.</summary>
/// <param name="ProviderName">The provider whose pipelines it applies to; <see langword="null"/> for every provider.</param>
/// <param name="Configure">Adds the middleware to the builder.</param>
internal sealed record ChatClientConfiguration(string? ProviderName, Action<ChatClientBuilder, IServiceProvider> Configure);

using Microsoft.Extensions.DependencyInjection;

namespace Sessions.Sdk;

/// <summary>The <see cref="ISessionsBuilder"/> returned by <c>AddSessions</c>.</summary>
internal sealed class SessionsBuilder(IServiceCollection services) : ISessionsBuilder
{
    /// <inheritdoc/>
    public IServiceCollection Services { get; } = services;
}

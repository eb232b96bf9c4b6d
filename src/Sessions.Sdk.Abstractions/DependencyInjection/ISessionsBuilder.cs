using Microsoft.Extensions.DependencyInjection;

namespace Sessions.Sdk;

/// <summary>Configures Sessions.Sdk services; returned by <c>AddSessions</c> and extended by each package.</summary>
public interface ISessionsBuilder
{
    /// <summary>Gets the service collection being configured.</summary>
    IServiceCollection Services { get; }
}

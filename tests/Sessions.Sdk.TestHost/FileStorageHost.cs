using Microsoft.Extensions.DependencyInjection;

namespace Sessions.Sdk.TestHost;

/// <summary>Builds a file store the way an application registers it: <c>UseFileStorage</c> on an <see cref="ISessionsBuilder"/>.</summary>
/// <remarks>The test host has no DI container package, so the registered factory is invoked with an empty service provider.</remarks>
internal static class FileStorageHost
{
    public static ISessionStorage Build(string directory, bool fsync = false, bool managed = false)
    {
        var services = new ServiceCollection();
        new Builder(services).UseFileStorage(directory, o =>
        {
            o.FsyncOnAppend = fsync;

            // The portable path every non-Linux platform takes, switched on through the internal test option.
            if (managed) typeof(FileStorageOptions).GetProperty("NativeFastPath", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.SetValue(o, false);
        });
        var descriptor = services.Last(d => d.ServiceType == typeof(ISessionStorage));
        return (ISessionStorage)descriptor.ImplementationFactory!(new EmptyServiceProvider());
    }

    private sealed class Builder(IServiceCollection services) : ISessionsBuilder
    {
        public IServiceCollection Services { get; } = services;
    }

    private sealed class EmptyServiceProvider : IServiceProvider
    {
        public object? GetService(Type serviceType) => null;
    }
}

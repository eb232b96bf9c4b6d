using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Sessions.Sdk;

/// <summary>Registers the in-memory session storage.</summary>
public static class MemoryStorageSessionsBuilderExtensions
{
    /// <summary>Stores sessions in process memory, replacing any storage registered before (last wins).</summary>
    /// <param name="builder">The sessions builder.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <remarks>Sessions are lost when the process ends. The store takes its clock from the registered <see cref="TimeProvider"/>, or the system clock.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static ISessionsBuilder UseMemoryStorage(this ISessionsBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.RemoveAll<ISessionStorage>();
        builder.Services.AddSingleton<ISessionStorage>(sp => new MemorySessionStorage(sp.GetService<TimeProvider>() ?? TimeProvider.System));
        return builder;
    }
}

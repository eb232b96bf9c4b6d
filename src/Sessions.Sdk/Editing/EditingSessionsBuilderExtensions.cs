using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Sessions.Sdk;

/// <summary>Adds edit sessions to an <see cref="ISessionsBuilder"/>.</summary>
public static class EditingSessionsBuilderExtensions
{
    /// <summary>Adds <see cref="IEditSessionManager"/> (singleton) and its options; safe to call more than once.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Configures <see cref="EditingOptions"/>; every call's action is applied, in order.</param>
    /// <returns>The builder.</returns>
    /// <remarks>Options are validated when the manager is first resolved and at host start.</remarks>
    public static ISessionsBuilder AddEditing(this ISessionsBuilder builder, Action<EditingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (configure is not null)
        {
            builder.Services.Configure(configure);
        }

        builder.Services.AddOptions<EditingOptions>().ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EditingOptions>, EditingOptionsValidator>());
        builder.Services.TryAddSingleton<IEditSessionManager, EditSessionManager>();
        return builder;
    }
}

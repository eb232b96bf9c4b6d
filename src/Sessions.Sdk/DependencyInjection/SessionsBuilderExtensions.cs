using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Sessions.Sdk;

/// <summary>Chooses storage and registers chat providers on an <see cref="ISessionsBuilder"/>.</summary>
public static class SessionsBuilderExtensions
{
    /// <summary>Applies more configuration to <see cref="SessionsOptions"/>.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">The configuration action.</param>
    /// <returns>The builder.</returns>
    public static ISessionsBuilder Configure(this ISessionsBuilder builder, Action<SessionsOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>Uses a custom storage type, created by the container as a singleton; replaces any storage chosen before (last wins).</summary>
    /// <typeparam name="TStorage">The storage type.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static ISessionsBuilder UseStorage<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TStorage>(this ISessionsBuilder builder)
        where TStorage : class, ISessionStorage
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.RemoveAll<ISessionStorage>();
        builder.Services.AddSingleton<ISessionStorage, TStorage>();
        return builder;
    }

    /// <summary>Uses storage created by a factory, once (singleton); replaces any storage chosen before (last wins).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="factory">Creates the storage.</param>
    /// <returns>The builder.</returns>
    public static ISessionsBuilder UseStorage(this ISessionsBuilder builder, Func<IServiceProvider, ISessionStorage> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        builder.Services.RemoveAll<ISessionStorage>();
        builder.Services.AddSingleton(factory);
        return builder;
    }

    /// <summary>Uses a storage instance; replaces any storage chosen before (last wins). The caller keeps ownership (it is not disposed).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="storage">The storage.</param>
    /// <returns>The builder.</returns>
    public static ISessionsBuilder UseStorage(this ISessionsBuilder builder, ISessionStorage storage)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(storage);
        builder.Services.RemoveAll<ISessionStorage>();
        builder.Services.AddSingleton(storage);
        return builder;
    }

    /// <summary>Registers a chat client as a named provider; a later registration of the same name (ignoring case) wins.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="name">The provider name sessions refer to, such as <c>openai</c>.</param>
    /// <param name="chatClient">The chat client; the model is chosen per call through <see cref="ChatOptions.ModelId"/>.</param>
    /// <param name="defaultModelId">The model used when a session names none; <see langword="null"/> lets the client decide.</param>
    /// <returns>The builder.</returns>
    /// <remarks>The caller keeps ownership of <paramref name="chatClient"/> (it is not disposed).</remarks>
    public static ISessionsBuilder AddChatProvider(this ISessionsBuilder builder, string name, IChatClient chatClient, string? defaultModelId = null)
    {
        ArgumentNullException.ThrowIfNull(chatClient);
        return builder.AddChatProvider(name, _ => chatClient, defaultModelId);
    }

    /// <summary>Registers a chat client factory as a named provider; the client is created on first use; a later registration of the same name wins.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="name">The provider name sessions refer to, such as <c>openai</c>.</param>
    /// <param name="factory">Creates the chat client once.</param>
    /// <param name="defaultModelId">The model used when a session names none; <see langword="null"/> lets the client decide.</param>
    /// <returns>The builder.</returns>
    public static ISessionsBuilder AddChatProvider(this ISessionsBuilder builder, string name, Func<IServiceProvider, IChatClient> factory, string? defaultModelId = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        builder.Services.AddSingleton<IChatProvider>(sp => DelegatingChatProvider.ForClient(name, () => factory(sp), defaultModelId));
        return builder;
    }

    /// <summary>Registers a chat provider under its own <see cref="IChatProvider.Name"/>; a later registration of the same name wins.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="provider">The provider.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException">The provider's name is empty.</exception>
    public static ISessionsBuilder AddChatProvider(this ISessionsBuilder builder, IChatProvider provider)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(provider);
        if (string.IsNullOrWhiteSpace(provider.Name))
        {
            throw new ArgumentException("The chat provider's Name must not be empty.", nameof(provider));
        }

        builder.Services.AddSingleton(provider);
        return builder;
    }

    /// <summary>Registers a chat provider factory under a name; the provider is created on first use; a later registration of the same name wins.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="name">The provider name sessions refer to (it overrides the created provider's own name).</param>
    /// <param name="factory">Creates the provider once.</param>
    /// <param name="defaultModelId">The model used when a session names none; <see langword="null"/> for the provider's own default.</param>
    /// <returns>The builder.</returns>
    public static ISessionsBuilder AddChatProvider(this ISessionsBuilder builder, string name, Func<IServiceProvider, IChatProvider> factory, string? defaultModelId = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        builder.Services.AddSingleton<IChatProvider>(sp => DelegatingChatProvider.ForProvider(name, () => factory(sp), defaultModelId));
        return builder;
    }
}

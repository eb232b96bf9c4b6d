using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Sessions.Sdk;

/// <summary>Registers a store's options the one way every options class is registered: named options, validated at host start.</summary>
/// <remarks>
/// The <c>Use…Storage</c> call's configuration replaces the one an earlier <c>Use…Storage</c> call of the same store
/// registered (the last call wins), while configuration the application registered itself
/// (<c>services.Configure&lt;TOptions&gt;(…)</c>, binding from configuration) stays and applies in registration order.
/// The store's validator runs at host start (<c>ValidateOnStart</c>) and when the store is first resolved, and calls the
/// options' own rule, so a bad value fails with an <see cref="OptionsValidationException"/> naming the option.
/// </remarks>
internal static class StorageOptionsRegistration
{
    /// <summary>Registers <paramref name="configure"/> for <typeparamref name="TOptions"/> with its validator and start-up validation.</summary>
    /// <typeparam name="TOptions">The store's options.</typeparam>
    /// <typeparam name="TValidator">The validator calling the options' own rule.</typeparam>
    /// <param name="services">The services.</param>
    /// <param name="configure">What the <c>Use…Storage</c> call sets.</param>
    public static void Register<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TValidator>(IServiceCollection services, Action<TOptions> configure)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        for (int i = services.Count - 1; i >= 0; i--)
        {
            if (services[i].ServiceType == typeof(IConfigureOptions<TOptions>) && services[i].ImplementationInstance is UseStorageSetup<TOptions>)
            {
                services.RemoveAt(i);
            }
        }

        services.AddSingleton<IConfigureOptions<TOptions>>(new UseStorageSetup<TOptions>(configure));
        AddValidation<TOptions, TValidator>(services);
    }

    /// <summary>Registers the validator and start-up validation of <typeparamref name="TOptions"/> without configuring them.</summary>
    /// <typeparam name="TOptions">The store's options.</typeparam>
    /// <typeparam name="TValidator">The validator calling the options' own rule.</typeparam>
    /// <param name="services">The services.</param>
    public static void AddValidation<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TValidator>(IServiceCollection services)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.AddOptions<TOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
    }

    /// <summary>Runs an options class's own rule, which throws <see cref="ArgumentException"/> naming the option, as a validation result.</summary>
    /// <param name="validate">The options' own rule.</param>
    /// <returns>Success, or a failure with the rule's message.</returns>
    public static ValidateOptionsResult Check(Action validate)
    {
        try
        {
            validate();
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException ex)
        {
            return ValidateOptionsResult.Fail(ex.Message);
        }
    }

    /// <summary>Marks the configuration a <c>Use…Storage</c> call registered, so the next call replaces it.</summary>
    private sealed class UseStorageSetup<TOptions>(Action<TOptions> configure) : ConfigureNamedOptions<TOptions>(Options.DefaultName, configure)
        where TOptions : class;
}

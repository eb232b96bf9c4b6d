using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Sessions.Sdk;

/// <summary>Checks at startup what depends on other registrations: the default provider is registered, and the storage can be created.</summary>
/// <remarks>Runs with the other <see cref="SessionsOptions"/> validators: at host start (ValidateOnStart) or when the session manager is first resolved.</remarks>
internal sealed class SessionsStartupValidator(IServiceProvider services) : IValidateOptions<SessionsOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, SessionsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!string.IsNullOrWhiteSpace(options.DefaultProvider))
        {
            var registered = services.GetServices<IChatProvider>().Select(p => p.Name).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase).ToList();
            if (!registered.Contains(options.DefaultProvider, StringComparer.OrdinalIgnoreCase))
            {
                return ValidateOptionsResult.Fail(registered.Count == 0
                    ? $"SessionsOptions.DefaultProvider is '{options.DefaultProvider}', but no chat provider is registered. Register it (AddChatProvider(\"{options.DefaultProvider}\", …), AddOpenAIProvider, AddAnthropicProvider or AddDemoProvider) or remove the setting."
                    : $"SessionsOptions.DefaultProvider is '{options.DefaultProvider}', but no chat provider of that name is registered (registered: {string.Join(", ", registered)}). Fix the name, or register a provider with that name.");
            }
        }

        // Creating the storage runs its own startup checks (the file store's location); they throw OptionsValidationException
        // naming the setting. A store whose options have validators of their own (every built-in store, validated at start
        // too) reports that failure once, from its own options, rather than a second time from here.
        try
        {
            _ = services.GetService<ISessionStorage>();
        }
        catch (OptionsValidationException ex) when (ex.OptionsType != typeof(SessionsOptions) && HasValidators(ex.OptionsType))
        {
        }

        return ValidateOptionsResult.Success;
    }

    private bool HasValidators(Type optionsType) =>
        services.GetService(typeof(IEnumerable<>).MakeGenericType(typeof(IValidateOptions<>).MakeGenericType(optionsType))) is IEnumerable<object> validators
        && validators.Any();
}

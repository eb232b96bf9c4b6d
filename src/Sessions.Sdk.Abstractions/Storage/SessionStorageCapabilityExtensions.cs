namespace Sessions.Sdk;

/// <summary>Finds optional capabilities of a store, looking through <see cref="DelegatingSessionStorage"/> decorators.</summary>
public static class SessionStorageCapabilityExtensions
{
    /// <summary>Returns a capability of a store (such as <see cref="ISessionSearch"/> or <see cref="ISessionTrash"/>), or <see langword="null"/>.</summary>
    /// <typeparam name="T">The capability's interface type.</typeparam>
    /// <param name="storage">The store, possibly a decorator.</param>
    /// <returns>The capability, or <see langword="null"/> when the store (and every store it wraps) lacks it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="storage"/> is null.</exception>
    public static T? GetCapability<T>(this ISessionStorage storage)
        where T : class => storage.GetCapability(typeof(T)) as T;

    /// <summary>Returns a capability of a store, or <see langword="null"/>.</summary>
    /// <param name="storage">The store, possibly a decorator.</param>
    /// <param name="capabilityType">The capability's interface type.</param>
    /// <returns>The capability, or <see langword="null"/> when the store (and every store it wraps) lacks it.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static object? GetCapability(this ISessionStorage storage, Type capabilityType)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(capabilityType);
        if (storage is DelegatingSessionStorage decorator) return decorator.GetCapability(capabilityType);
        return capabilityType.IsInstanceOfType(storage) ? storage : null;
    }
}

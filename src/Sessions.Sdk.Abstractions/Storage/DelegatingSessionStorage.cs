namespace Sessions.Sdk;

/// <summary>Provides a base for storage decorators (metrics, retention, encryption, tests): every member forwards to an inner store.</summary>
/// <remarks>
/// Override only what the decorator changes. Optional capabilities (<see cref="ISessionSearch"/>, <see cref="ISessionTrash"/>,
/// or any other) are found through <see cref="GetCapability"/>, which returns this decorator when it implements the capability
/// itself and otherwise the inner store's; callers use <see cref="SessionStorageCapabilityExtensions.GetCapability{T}(ISessionStorage)"/>
/// rather than a cast, so a decorator never claims a capability its inner store lacks. Thread-safe when the inner store is.
/// </remarks>
public class DelegatingSessionStorage : ISessionStorage
{
    /// <summary>Initializes a decorator over <paramref name="innerStorage"/>.</summary>
    /// <param name="innerStorage">The store every call is forwarded to.</param>
    /// <exception cref="ArgumentNullException"><paramref name="innerStorage"/> is null.</exception>
    protected DelegatingSessionStorage(ISessionStorage innerStorage)
    {
        ArgumentNullException.ThrowIfNull(innerStorage);
        InnerStorage = innerStorage;
    }

    /// <summary>Gets the store every call is forwarded to.</summary>
    protected ISessionStorage InnerStorage { get; }

    /// <inheritdoc/>
    public virtual ValueTask<SessionInfo> CreateAsync(SessionInfo session, IReadOnlyList<SessionMessage> messages, CancellationToken cancellationToken = default) =>
        InnerStorage.CreateAsync(session, messages, cancellationToken);

    /// <inheritdoc/>
    public virtual ValueTask<SessionInfo?> GetAsync(string sessionId, CancellationToken cancellationToken = default) =>
        InnerStorage.GetAsync(sessionId, cancellationToken);

    /// <inheritdoc/>
    public virtual ValueTask<IReadOnlyList<SessionMessage>> AppendMessagesAsync(string sessionId, IReadOnlyList<SessionMessage> messages, CancellationToken cancellationToken = default) =>
        InnerStorage.AppendMessagesAsync(sessionId, messages, cancellationToken);

    /// <inheritdoc/>
    public virtual ValueTask<IReadOnlyList<SessionMessage>> GetMessagesAsync(string sessionId, MessageRange range, CancellationToken cancellationToken = default) =>
        InnerStorage.GetMessagesAsync(sessionId, range, cancellationToken);

    /// <inheritdoc/>
    public virtual ValueTask<SessionInfo> UpdateAsync(SessionInfo session, CancellationToken cancellationToken = default) =>
        InnerStorage.UpdateAsync(session, cancellationToken);

    /// <inheritdoc/>
    public virtual ValueTask<SessionInfo> ReplaceMessagesAsync(string sessionId, IReadOnlyList<SessionMessage> messages, long expectedVersion, CancellationToken cancellationToken = default) =>
        InnerStorage.ReplaceMessagesAsync(sessionId, messages, expectedVersion, cancellationToken);

    /// <inheritdoc/>
    public virtual ValueTask<bool> DeleteAsync(string sessionId, CancellationToken cancellationToken = default) =>
        InnerStorage.DeleteAsync(sessionId, cancellationToken);

    /// <inheritdoc/>
    public virtual ValueTask<bool> ExistsAsync(string sessionId, CancellationToken cancellationToken = default) =>
        InnerStorage.ExistsAsync(sessionId, cancellationToken);

    /// <inheritdoc/>
    public virtual IAsyncEnumerable<SessionInfo> ListAsync(SessionQuery query, CancellationToken cancellationToken = default) =>
        InnerStorage.ListAsync(query, cancellationToken);

    /// <summary>Returns an optional capability (such as <see cref="ISessionSearch"/> or <see cref="ISessionTrash"/>) of this decorator or the store it wraps.</summary>
    /// <param name="capabilityType">The capability's interface type.</param>
    /// <returns>This decorator when it implements <paramref name="capabilityType"/>; otherwise the inner store's capability; <see langword="null"/> when neither has it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="capabilityType"/> is null.</exception>
    public virtual object? GetCapability(Type capabilityType)
    {
        ArgumentNullException.ThrowIfNull(capabilityType);
        return capabilityType.IsInstanceOfType(this) ? this : InnerStorage.GetCapability(capabilityType);
    }
}

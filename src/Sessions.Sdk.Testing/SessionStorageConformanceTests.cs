using Microsoft.Extensions.Time.Testing;
using System.Text.Json;
using Microsoft.Extensions.AI;
using NUnit.Framework;

namespace Sessions.Sdk.Testing;

/// <summary>Verifies that an <see cref="ISessionStorage"/> implementation follows every rule of the storage contract.</summary>
/// <remarks>
/// Inherit it unchanged in a sealed <c>[TestFixture]</c> class and implement <see cref="CreateStorageAsync()"/>.
/// Every test uses fresh, unique session ids and filters listings by a unique tag, so stores backed by a shared
/// server database may return the same storage from every call. Storages that implement <see cref="IAsyncDisposable"/>
/// or <see cref="IDisposable"/> are disposed after each test.
/// </remarks>
public abstract partial class SessionStorageConformanceTests
{
    private readonly List<ISessionStorage> _created = [];
    private ISessionStorage? _storage;

    /// <summary>Gets a time well in the past, whole seconds, used for explicit creation and message times.</summary>
    protected static DateTimeOffset BaseTime { get; } = new(2024, 5, 1, 8, 30, 0, TimeSpan.Zero);

    /// <summary>Gets the storage created for the current test.</summary>
    /// <exception cref="InvalidOperationException">No test is running.</exception>
    protected ISessionStorage Storage => _storage ?? throw new InvalidOperationException("The storage is created in SetUp; use it from a test.");

    /// <summary>Gets how many tasks append concurrently in the concurrency tests.</summary>
    /// <value>The default value is 16.</value>
    protected virtual int ConcurrentWriters => 16;

    /// <summary>Gets how many single-message appends each concurrent task makes.</summary>
    /// <value>The default value is 25.</value>
    protected virtual int AppendsPerWriter => 25;

    /// <summary>Gets how long to wait so that the store's own clock yields a later timestamp, when the clock cannot be injected.</summary>
    /// <value>The default value is 20 milliseconds.</value>
    protected virtual TimeSpan TimestampResolution => TimeSpan.FromMilliseconds(20);

    /// <summary>Creates the storage under test; called once before every test.</summary>
    /// <returns>The storage.</returns>
    protected abstract ValueTask<ISessionStorage> CreateStorageAsync();

    /// <summary>Creates the storage under test with a clock the tests control, when the store accepts one.</summary>
    /// <param name="timeProvider">The clock the store must take its timestamps from.</param>
    /// <returns>The storage, or <see langword="null"/> when the store cannot take a clock (tests then wait on the real clock).</returns>
    protected virtual ValueTask<ISessionStorage?> CreateStorageAsync(TimeProvider timeProvider) => ValueTask.FromResult<ISessionStorage?>(null);

    /// <summary>Opens the storage again over the same data, as a new process would, to check that everything was persisted.</summary>
    /// <param name="storage">The storage the test wrote through; the override may dispose it.</param>
    /// <returns>A new storage over the same data; the default returns <paramref name="storage"/> itself (for stores that are not persistent).</returns>
    protected virtual ValueTask<ISessionStorage> ReopenStorageAsync(ISessionStorage storage) => ValueTask.FromResult(storage);

    /// <summary>Disposes a storage created for a test.</summary>
    /// <param name="storage">The storage.</param>
    /// <returns>A task that completes when it is disposed.</returns>
    protected virtual async ValueTask DisposeStorageAsync(ISessionStorage storage)
    {
        if (storage is IAsyncDisposable asyncDisposable)
        {
            await asyncDisposable.DisposeAsync().ConfigureAwait(false);
        }
        else if (storage is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }

    /// <summary>Creates the storage for the next test.</summary>
    /// <returns>A task that completes when the storage exists.</returns>
    [SetUp]
    public async Task SetUpStorageAsync()
    {
        _storage = await CreateStorageAsync().ConfigureAwait(false);
        Assert.That(_storage, Is.Not.Null, "CreateStorageAsync returned null.");
        lock (_created) _created.Add(_storage);
    }

    /// <summary>Disposes every storage the test created.</summary>
    /// <returns>A task that completes when they are disposed.</returns>
    [TearDown]
    public async Task TearDownStorageAsync()
    {
        ISessionStorage[] created;
        lock (_created)
        {
            created = [.. _created.Distinct()];
            _created.Clear();
        }

        _storage = null;
        foreach (var storage in created)
        {
            await DisposeStorageAsync(storage).ConfigureAwait(false);
        }
    }

    /// <summary>Creates a unique, valid session id.</summary>
    /// <param name="hint">A short readable part (letters and digits).</param>
    /// <returns>The id.</returns>
    protected static string NewId(string hint = "s") => $"ct-{hint}-{Guid.NewGuid():N}";

    /// <summary>Creates a unique tag that marks the sessions of one test, so listings can ignore everything else.</summary>
    /// <returns>The tag.</returns>
    protected static string NewMarker() => $"ct-{Guid.NewGuid():N}";

    /// <summary>Creates a session description with the given id, title and tags.</summary>
    /// <param name="id">The id; a new unique id when <see langword="null"/>.</param>
    /// <param name="title">The title.</param>
    /// <param name="tags">The tags.</param>
    /// <returns>The session description.</returns>
    protected static SessionInfo NewSession(string? id = null, string title = "Conformance session", params string[] tags) => new()
    {
        Id = id ?? NewId(),
        Title = title,
        Tags = tags,
        CreatedAt = BaseTime,
        UpdatedAt = BaseTime,
    };

    /// <summary>Creates a text message.</summary>
    /// <param name="role">The role.</param>
    /// <param name="text">The text.</param>
    /// <param name="timestamp">The message time; <see cref="BaseTime"/> when <see langword="null"/>.</param>
    /// <param name="usage">The usage to attribute to it.</param>
    /// <returns>The message.</returns>
    protected static SessionMessage TextMessage(ChatRole role, string text, DateTimeOffset? timestamp = null, SessionUsage? usage = null) => new()
    {
        Message = new ChatMessage(role, text),
        Timestamp = timestamp ?? BaseTime,
        Usage = usage,
    };

    /// <summary>Creates <paramref name="count"/> alternating user/assistant messages whose text is <c>{prefix}{i}</c>.</summary>
    /// <param name="count">How many.</param>
    /// <param name="prefix">The text prefix.</param>
    /// <returns>The messages.</returns>
    protected static SessionMessage[] TextMessages(int count, string prefix = "m")
    {
        var result = new SessionMessage[count];
        for (int i = 0; i < count; i++)
        {
            result[i] = TextMessage(i % 2 == 0 ? ChatRole.User : ChatRole.Assistant, $"{prefix}{i + 1}", BaseTime.AddSeconds(i));
        }

        return result;
    }

    /// <summary>Lists every session matching <paramref name="query"/>.</summary>
    /// <param name="storage">The storage.</param>
    /// <param name="query">The query.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The sessions, in the order the store returned them.</returns>
    protected static async Task<List<SessionInfo>> ListAllAsync(ISessionStorage storage, SessionQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(storage);
        var result = new List<SessionInfo>();
        await foreach (var session in storage.ListAsync(query, cancellationToken).ConfigureAwait(false))
        {
            result.Add(session);
        }

        return result;
    }

    /// <summary>Returns the JSON of a chat message as M.E.AI writes it, for full-fidelity comparisons.</summary>
    /// <param name="message">The message.</param>
    /// <returns>The JSON text.</returns>
    protected static string ChatMessageJson(ChatMessage message) =>
        JsonSerializer.Serialize(message, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(ChatMessage)));

    private async Task<SessionInfo> CreateWithMessagesAsync(int count, string? id = null, string prefix = "m")
    {
        return await Storage.CreateAsync(NewSession(id), TextMessages(count, prefix)).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<SessionMessage>> ReadAllAsync(string id, ISessionStorage? storage = null) =>
        await (storage ?? Storage).GetMessagesAsync(id, MessageRange.All).ConfigureAwait(false);

    private async Task<(ISessionStorage Storage, FakeTimeProvider? Clock)> CreateClockedStorageAsync()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 2, 3, 4, 5, 6, TimeSpan.Zero));
        var storage = await CreateStorageAsync(clock).ConfigureAwait(false);
        if (storage is null) return (Storage, null);
        lock (_created) _created.Add(storage);
        return (storage, clock);
    }

    private async Task TickAsync(FakeTimeProvider? clock)
    {
        if (clock is not null)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
        }
        else
        {
            await Task.Delay(TimestampResolution).ConfigureAwait(false);
        }
    }

    private static void AssertSequences(IReadOnlyList<SessionMessage> messages, params long[] expected) =>
        Assert.That(messages.Select(m => m.Sequence).ToArray(), Is.EqualTo(expected));

    private static long[] Range(long from, long count) => [.. Enumerable.Range(0, (int)count).Select(i => from + i)];
}

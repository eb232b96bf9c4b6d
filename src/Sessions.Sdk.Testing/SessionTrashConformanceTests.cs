using Microsoft.Extensions.Time.Testing;
using Microsoft.Extensions.AI;
using NUnit.Framework;

namespace Sessions.Sdk.Testing;

/// <summary>Verifies that a store's <see cref="ISessionTrash"/> follows every rule of the capability.</summary>
/// <remarks>
/// Inherit it unchanged in a sealed <c>[TestFixture]</c> class and implement <see cref="CreateStorageAsync()"/>; the storage must
/// implement <see cref="ISessionTrash"/>. Every test uses fresh, unique session ids and looks only at its own sessions in the trash,
/// so stores backed by a shared server database may return the same storage from every call. Storages that implement
/// <see cref="IAsyncDisposable"/> or <see cref="IDisposable"/> are disposed after each test.
/// </remarks>
public abstract class SessionTrashConformanceTests
{
    private readonly List<ISessionStorage> _created = [];
    private ISessionStorage? _storage;

    /// <summary>Gets a time well in the past, whole seconds, used for creation and message times.</summary>
    protected static DateTimeOffset BaseTime { get; } = new(2024, 5, 1, 8, 30, 0, TimeSpan.Zero);

    /// <summary>Gets the storage created for the current test.</summary>
    /// <exception cref="InvalidOperationException">No test is running.</exception>
    protected ISessionStorage Storage => _storage ?? throw new InvalidOperationException("The storage is created in SetUp; use it from a test.");

    /// <summary>Gets the storage's trash.</summary>
    protected ISessionTrash Trash => (ISessionTrash)Storage;

    /// <summary>Creates the storage under test; called once before every test.</summary>
    /// <returns>The storage; it must implement <see cref="ISessionTrash"/>.</returns>
    protected abstract ValueTask<ISessionStorage> CreateStorageAsync();

    /// <summary>Creates the storage under test with a clock the tests control, when the store accepts one.</summary>
    /// <param name="timeProvider">The clock the store must take its timestamps from.</param>
    /// <returns>The storage, or <see langword="null"/> when the store cannot take a clock (the test that needs it is then ignored).</returns>
    protected virtual ValueTask<ISessionStorage?> CreateStorageAsync(TimeProvider timeProvider) => ValueTask.FromResult<ISessionStorage?>(null);

    /// <summary>Opens the storage again over the same data, as a new process would.</summary>
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
        Assert.That(_storage, Is.InstanceOf(typeof(ISessionTrash)), "The storage under test must implement ISessionTrash.");
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
        foreach (var storage in created) await DisposeStorageAsync(storage).ConfigureAwait(false);
    }

    /// <summary>Checks that a trashed session is no longer found, listed, read, written or searched.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task TrashAsync_LiveSession_HidesItEverywhere()
    {
        string marker = NewMarker();
        var session = await CreateAsync(3, marker).ConfigureAwait(false);
        await Storage.AppendMessagesAsync(session.Id, [Text("findme" + marker)]).ConfigureAwait(false);
        if (Storage is ISessionSearch)
        {
            Assert.That(await SearchIdsAsync("findme" + marker).ConfigureAwait(false), Is.EqualTo(new[] { session.Id }), "Search found nothing before trashing.");
        }

        Assert.That(await Trash.TrashAsync(session.Id).ConfigureAwait(false), Is.True);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await Storage.GetAsync(session.Id).ConfigureAwait(false), Is.Null);
            Assert.That(await Storage.ExistsAsync(session.Id).ConfigureAwait(false), Is.False);
            Assert.That(await ListIdsAsync(new SessionQuery { Tag = marker }).ConfigureAwait(false), Is.Empty);
            Assert.That(await ListIdsAsync(SessionQuery.All).ConfigureAwait(false), Does.Not.Contain(session.Id));
        }

        await Assert.ThatAsync(async () => await Storage.GetMessagesAsync(session.Id, MessageRange.All).ConfigureAwait(false), Throws.InstanceOf(typeof(SessionNotFoundException))).ConfigureAwait(false);
        await Assert.ThatAsync(async () => await Storage.AppendMessagesAsync(session.Id, [Text("late")]).ConfigureAwait(false), Throws.InstanceOf(typeof(SessionNotFoundException))).ConfigureAwait(false);
        await Assert.ThatAsync(async () => await Storage.UpdateAsync(session with { Title = "changed" }).ConfigureAwait(false), Throws.InstanceOf(typeof(SessionNotFoundException))).ConfigureAwait(false);
        await Assert.ThatAsync(async () => await Storage.ReplaceMessagesAsync(session.Id, [], session.Version).ConfigureAwait(false), Throws.InstanceOf(typeof(SessionNotFoundException))).ConfigureAwait(false);
        if (Storage is ISessionSearch)
        {
            Assert.That(await SearchIdsAsync("findme" + marker).ConfigureAwait(false), Is.Empty);
        }
    }

    /// <summary>Checks that restoring brings the session back unchanged: messages, metadata, usage and version.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task RestoreAsync_TrashedSession_BringsItBackUnchanged()
    {
        string marker = NewMarker();
        var session = await CreateAsync(5, marker).ConfigureAwait(false);
        var before = (await Storage.GetAsync(session.Id).ConfigureAwait(false))!;
        await Trash.TrashAsync(session.Id).ConfigureAwait(false);

        Assert.That(await Trash.RestoreAsync(session.Id).ConfigureAwait(false), Is.True);

        var after = await Storage.GetAsync(session.Id).ConfigureAwait(false);
        var messages = await Storage.GetMessagesAsync(session.Id, MessageRange.All).ConfigureAwait(false);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(after, Is.Not.Null);
            Assert.That(after!.Title, Is.EqualTo(before.Title));
            Assert.That(after.Tags, Is.EqualTo(before.Tags));
            Assert.That(after.Metadata, Is.EqualTo(before.Metadata));
            Assert.That(after.MessageCount, Is.EqualTo(5));
            Assert.That(after.Usage, Is.EqualTo(before.Usage));
            Assert.That(after.Version, Is.EqualTo(before.Version));
            Assert.That(after.CreatedAt, Is.EqualTo(before.CreatedAt));
            Assert.That(messages.Select(m => m.Text), Is.EqualTo(new[] { "m1", "m2", "m3", "m4", "m5" }));
            Assert.That(messages.Select(m => m.Sequence), Is.EqualTo(new long[] { 1, 2, 3, 4, 5 }));
            Assert.That(await ListIdsAsync(new SessionQuery { Tag = marker }).ConfigureAwait(false), Is.EqualTo(new[] { session.Id }));
            Assert.That(await TrashedIdsAsync(session.Id).ConfigureAwait(false), Is.Empty);
        }

        // Writable again.
        var appended = await Storage.AppendMessagesAsync(session.Id, [Text("after restore")]).ConfigureAwait(false);
        Assert.That(appended[0].Sequence, Is.EqualTo(6));
    }

    /// <summary>Checks that the trash lists a trashed session with its information and nothing that is not trashed.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task ListTrashAsync_ListsTrashedSessionsOnly()
    {
        string marker = NewMarker();
        var trashed = await CreateAsync(4, marker).ConfigureAwait(false);
        var live = await CreateAsync(1, marker).ConfigureAwait(false);
        await Trash.TrashAsync(trashed.Id).ConfigureAwait(false);

        var entries = await TrashEntriesAsync(trashed.Id, live.Id).ConfigureAwait(false);

        Assert.That(entries, Has.Count.EqualTo(1));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(entries[0].Session.Id, Is.EqualTo(trashed.Id));
            Assert.That(entries[0].Session.Title, Is.EqualTo("Trash conformance"));
            Assert.That(entries[0].Session.Tags, Does.Contain(marker));
            Assert.That(entries[0].Session.MessageCount, Is.EqualTo(4));
            Assert.That(entries[0].TrashedAt, Is.Not.EqualTo(default(DateTimeOffset)));
        }
    }

    /// <summary>Checks that the trash time comes from the store's clock.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task ListTrashAsync_TrashedAt_ComesFromTheStoreClock()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero));
        var storage = await CreateStorageAsync(clock).ConfigureAwait(false);
        if (storage is null)
        {
            Assert.Ignore("The store takes no clock.");
            return;
        }

        lock (_created) _created.Add(storage);
        var session = await storage.CreateAsync(NewSession(NewMarker()), []).ConfigureAwait(false);
        clock.Advance(TimeSpan.FromDays(3));

        await ((ISessionTrash)storage).TrashAsync(session.Id).ConfigureAwait(false);

        var entries = await TrashEntriesAsync((ISessionTrash)storage, session.Id).ConfigureAwait(false);
        Assert.That(entries.Single().TrashedAt, Is.EqualTo(new DateTimeOffset(2026, 3, 7, 5, 6, 7, TimeSpan.Zero)));
    }

    /// <summary>Checks that a trashed session's id stays taken until purged, then is free.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task CreateAsync_TrashedId_ThrowsUntilPurged()
    {
        var session = await CreateAsync(2, NewMarker()).ConfigureAwait(false);
        await Trash.TrashAsync(session.Id).ConfigureAwait(false);

        await Assert.ThatAsync(async () => await Storage.CreateAsync(NewSession(NewMarker(), session.Id), []).ConfigureAwait(false), Throws.InstanceOf(typeof(SessionAlreadyExistsException))).ConfigureAwait(false);
        Assert.That(await TrashedIdsAsync(session.Id).ConfigureAwait(false), Is.EqualTo(new[] { session.Id }), "The failed create changed the trash.");

        Assert.That(await Trash.PurgeAsync(session.Id).ConfigureAwait(false), Is.True);
        var again = await Storage.CreateAsync(NewSession(NewMarker(), session.Id), [Text("fresh")]).ConfigureAwait(false);
        var messages = await Storage.GetMessagesAsync(again.Id, MessageRange.All).ConfigureAwait(false);
        Assert.That(messages.Select(m => m.Text), Is.EqualTo(new[] { "fresh" }));
    }

    /// <summary>Checks that purging removes the session for good and leaves live sessions alone.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task PurgeAsync_TrashedSession_RemovesItForGood()
    {
        var trashed = await CreateAsync(3, NewMarker()).ConfigureAwait(false);
        var live = await CreateAsync(1, NewMarker()).ConfigureAwait(false);
        await Trash.TrashAsync(trashed.Id).ConfigureAwait(false);

        Assert.That(await Trash.PurgeAsync(trashed.Id).ConfigureAwait(false), Is.True);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await TrashedIdsAsync(trashed.Id).ConfigureAwait(false), Is.Empty);
            Assert.That(await Storage.GetAsync(trashed.Id).ConfigureAwait(false), Is.Null);
            Assert.That(await Trash.RestoreAsync(trashed.Id).ConfigureAwait(false), Is.False);
            Assert.That(await Trash.PurgeAsync(trashed.Id).ConfigureAwait(false), Is.False);
            Assert.That(await Trash.PurgeAsync(live.Id).ConfigureAwait(false), Is.False, "Purge touched a live session.");
            Assert.That(await Storage.GetAsync(live.Id).ConfigureAwait(false), Is.Not.Null);
        }
    }

    /// <summary>Checks the answers for ids that are not where an operation looks.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task Operations_OnMissingOrLiveIds_ReturnFalse()
    {
        var live = await CreateAsync(1, NewMarker()).ConfigureAwait(false);
        string missing = NewId();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await Trash.TrashAsync(missing).ConfigureAwait(false), Is.False);
            Assert.That(await Trash.RestoreAsync(missing).ConfigureAwait(false), Is.False);
            Assert.That(await Trash.PurgeAsync(missing).ConfigureAwait(false), Is.False);
            Assert.That(await Trash.RestoreAsync(live.Id).ConfigureAwait(false), Is.False);
        }

        await Trash.TrashAsync(live.Id).ConfigureAwait(false);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await Trash.TrashAsync(live.Id).ConfigureAwait(false), Is.False, "Trashing twice.");
            Assert.That(await Storage.DeleteAsync(live.Id).ConfigureAwait(false), Is.False, "ISessionStorage.DeleteAsync deletes live sessions only.");
            Assert.That(await TrashedIdsAsync(live.Id).ConfigureAwait(false), Is.EqualTo(new[] { live.Id }));
        }
    }

    /// <summary>Checks that invalid ids are refused with an argument exception.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task Operations_InvalidId_ThrowArgumentException()
    {
        await Assert.ThatAsync(async () => await Trash.TrashAsync("../x").ConfigureAwait(false), Throws.InstanceOf(typeof(ArgumentException))).ConfigureAwait(false);
        await Assert.ThatAsync(async () => await Trash.RestoreAsync("a/b").ConfigureAwait(false), Throws.InstanceOf(typeof(ArgumentException))).ConfigureAwait(false);
        await Assert.ThatAsync(async () => await Trash.PurgeAsync(string.Empty).ConfigureAwait(false), Throws.InstanceOf(typeof(ArgumentException))).ConfigureAwait(false);
    }

    /// <summary>Checks that the trash and a restore survive reopening the store, as a new process would see them.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task Trash_SurvivesReopen()
    {
        var session = await CreateAsync(3, NewMarker()).ConfigureAwait(false);
        await Trash.TrashAsync(session.Id).ConfigureAwait(false);

        var reopened = await ReopenStorageAsync(Storage).ConfigureAwait(false);
        lock (_created) _created.Add(reopened);
        var trash = (ISessionTrash)reopened;

        Assert.That((await TrashEntriesAsync(trash, session.Id).ConfigureAwait(false)).Select(e => e.Session.MessageCount), Is.EqualTo(new long[] { 3 }));
        Assert.That(await reopened.GetAsync(session.Id).ConfigureAwait(false), Is.Null);
        Assert.That(await trash.RestoreAsync(session.Id).ConfigureAwait(false), Is.True);
        var messages = await reopened.GetMessagesAsync(session.Id, MessageRange.All).ConfigureAwait(false);
        Assert.That(messages.Select(m => m.Text), Is.EqualTo(new[] { "m1", "m2", "m3" }));
    }

    /// <summary>Checks that concurrent trashes of one session succeed exactly once.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task TrashAsync_Concurrent_SucceedsExactlyOnce()
    {
        var session = await CreateAsync(2, NewMarker()).ConfigureAwait(false);

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () => await Trash.TrashAsync(session.Id).ConfigureAwait(false)))).ConfigureAwait(false);

        Assert.That(results.Count(r => r), Is.EqualTo(1));
        Assert.That(await TrashedIdsAsync(session.Id).ConfigureAwait(false), Is.EqualTo(new[] { session.Id }));
    }

    /// <summary>Checks that a trash/restore cycle racing with appends loses no acknowledged append.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task TrashAndRestore_RacingAppends_LoseNoAcknowledgedAppend()
    {
        var session = await CreateAsync(0, NewMarker()).ConfigureAwait(false);
        int acknowledged = 0;
        var appender = Task.Run(async () =>
        {
            for (int i = 0; i < 60; i++)
            {
                try
                {
                    await Storage.AppendMessagesAsync(session.Id, [Text($"a{i}")]).ConfigureAwait(false);
                    Interlocked.Increment(ref acknowledged);
                }
                catch (SessionNotFoundException)
                {
                    // Trashed at that moment: refused loudly, nothing stored.
                }
            }
        });
        for (int i = 0; i < 10; i++)
        {
            await Trash.TrashAsync(session.Id).ConfigureAwait(false);
            await Trash.RestoreAsync(session.Id).ConfigureAwait(false);
        }

        await appender.ConfigureAwait(false);
        await Trash.RestoreAsync(session.Id).ConfigureAwait(false);
        var messages = await Storage.GetMessagesAsync(session.Id, MessageRange.All).ConfigureAwait(false);
        Assert.That(messages, Has.Count.EqualTo(acknowledged));
    }

    /// <summary>Creates a unique, valid session id.</summary>
    /// <returns>The id.</returns>
    protected static string NewId() => $"tc-{Guid.NewGuid():N}";

    /// <summary>Creates a unique tag marking one test's sessions.</summary>
    /// <returns>The tag.</returns>
    protected static string NewMarker() => $"tcm{Guid.NewGuid():N}";

    private static SessionInfo NewSession(string marker, string? id = null) => new()
    {
        Id = id ?? NewId(),
        Title = "Trash conformance",
        Tags = [marker],
        Metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["k"] = "v" },
        CreatedAt = BaseTime,
        UpdatedAt = BaseTime,
    };

    private static SessionMessage Text(string text, int i = 0) => new()
    {
        Message = new ChatMessage(i % 2 == 0 ? ChatRole.User : ChatRole.Assistant, text),
        Timestamp = BaseTime.AddSeconds(i),
        Usage = new SessionUsage { InputTokens = 1, OutputTokens = 2, TotalTokens = 3, Requests = 1 },
    };

    private async Task<SessionInfo> CreateAsync(int messages, string marker)
    {
        var list = Enumerable.Range(1, messages).Select(i => Text($"m{i}", i)).ToArray();
        return await Storage.CreateAsync(NewSession(marker), list).ConfigureAwait(false);
    }

    private async Task<List<string>> SearchIdsAsync(string text)
    {
        var ids = new List<string>();
        await foreach (var hit in ((ISessionSearch)Storage).SearchAsync(new SessionSearchQuery { Text = text }).ConfigureAwait(false)) ids.Add(hit.SessionId);
        return [.. ids.Distinct(StringComparer.Ordinal)];
    }

    private async Task<List<string>> ListIdsAsync(SessionQuery query)
    {
        var ids = new List<string>();
        await foreach (var s in Storage.ListAsync(query).ConfigureAwait(false)) ids.Add(s.Id);
        return ids;
    }

    private Task<List<TrashedSession>> TrashEntriesAsync(params string[] ids) => TrashEntriesAsync(Trash, ids);

    private static async Task<List<TrashedSession>> TrashEntriesAsync(ISessionTrash trash, params string[] ids)
    {
        var result = new List<TrashedSession>();
        await foreach (var t in trash.ListTrashAsync().ConfigureAwait(false))
        {
            if (ids.Contains(t.Session.Id, StringComparer.Ordinal)) result.Add(t);
        }

        return result;
    }

    private async Task<List<string>> TrashedIdsAsync(params string[] ids) => [.. (await TrashEntriesAsync(ids).ConfigureAwait(false)).Select(t => t.Session.Id)];
}

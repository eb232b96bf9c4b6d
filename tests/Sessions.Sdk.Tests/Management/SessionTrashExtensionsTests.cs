using Microsoft.Extensions.AI;
using Moq;

namespace Sessions.Sdk.Tests;

[TestFixture(CoreStoreKind.Memory)]
[TestFixture(CoreStoreKind.File)]
public sealed class SessionTrashExtensionsTests(CoreStoreKind store)
{
    private ManagementTestHost _host = null!;

    private ISessionManager Sessions => _host.Sessions;

    [SetUp]
    public void SetUp() => _host = new ManagementTestHost(store);

    [TearDown]
    public void TearDown() => _host.Dispose();

    [Test]
    public async Task DeleteAsync_Default_MovesToTrash_AndRestoreBringsItBack()
    {
        var s = await Sessions.Create("a").WithTitle("keep me").CreateAsync();
        await s.AddMessageAsync(new ChatMessage(ChatRole.User, "hello"));

        Assert.That(await Sessions.DeleteAsync("a"), Is.True);
        Assert.That(await Sessions.ExistsAsync("a"), Is.False);
        var trash = await ListTrashAsync();
        Assert.That(trash.Select(t => (t.Session.Id, t.Session.Title, t.Session.MessageCount)), Is.EqualTo(new[] { ("a", "keep me", 1L) }));
        Assert.That(trash[0].TrashedAt, Is.EqualTo(_host.Time.GetUtcNow()));

        Assert.That(await Sessions.RestoreAsync("a"), Is.True);
        var again = await Sessions.OpenAsync("a");
        var messages = await again.GetMessagesAsync();
        Assert.That(messages.Select(m => m.Text), Is.EqualTo(new[] { "hello" }));
        Assert.That(await ListTrashAsync(), Is.Empty);
    }

    [Test]
    public async Task DeleteAsync_Permanent_LiveSession_IsGoneAndNotInTrash()
    {
        await Sessions.Create("a").CreateAsync();

        Assert.That(await Sessions.DeleteAsync("a", permanent: true), Is.True);

        Assert.That(await Sessions.ExistsAsync("a"), Is.False);
        Assert.That(await ListTrashAsync(), Is.Empty);
        Assert.That(await Sessions.RestoreAsync("a"), Is.False);
        await Sessions.Create("a").CreateAsync();   // the id is free at once
    }

    [Test]
    public async Task DeleteAsync_Permanent_TrashedSession_PurgesIt()
    {
        await Sessions.Create("a").CreateAsync();
        await Sessions.DeleteAsync("a");

        Assert.That(await Sessions.DeleteAsync("a", permanent: true), Is.True);

        Assert.That(await ListTrashAsync(), Is.Empty);
        Assert.That(await Sessions.DeleteAsync("a", permanent: true), Is.False);
    }

    [Test]
    public async Task Create_IdOfTrashedSession_ThrowsUntilPurged()
    {
        await Sessions.Create("a").CreateAsync();
        await Sessions.DeleteAsync("a");

        await Assert.ThrowsAsync<SessionAlreadyExistsException>(() => Sessions.Create("a").CreateAsync());

        Assert.That(await Sessions.PurgeAsync("a"), Is.True);
        var fresh = await Sessions.Create("a").CreateAsync();
        Assert.That(fresh.MessageCount, Is.Zero);
    }

    [Test]
    public async Task DeleteManyAsync_QueryDryRun_ReturnsWhatWouldGo_AndDeletesNothing()
    {
        await Sessions.Create("old1").CreateAsync();
        await Sessions.Create("old2").WithTags("keep").CreateAsync();
        _host.Time.Advance(TimeSpan.FromDays(10));
        var cutoff = _host.Time.GetUtcNow();
        _host.Time.Advance(TimeSpan.FromMinutes(1));
        await Sessions.Create("new").CreateAsync();

        var gone = await Sessions.DeleteManyAsync(new SessionQuery { UpdatedBefore = cutoff }, dryRun: true);

        Assert.That(gone.Select(s => s.Id).Order(), Is.EqualTo(new[] { "old1", "old2" }));
        Assert.That(await CountAsync(), Is.EqualTo(3));
        Assert.That(await ListTrashAsync(), Is.Empty);

        var really = await Sessions.DeleteManyAsync(new SessionQuery { UpdatedBefore = cutoff });
        Assert.That(really.Select(s => s.Id).Order(), Is.EqualTo(new[] { "old1", "old2" }));
        Assert.That(await CountAsync(), Is.EqualTo(1));
        Assert.That((await ListTrashAsync()).Select(t => t.Session.Id).Order(), Is.EqualTo(new[] { "old1", "old2" }));
    }

    [Test]
    public async Task DeleteManyAsync_ByTagAndAll()
    {
        await Sessions.Create("t1").WithTags("x").CreateAsync();
        await Sessions.Create("t2").WithTags("y").CreateAsync();
        await Sessions.Create("t3").WithTags("x").CreateAsync();

        var byTag = await Sessions.DeleteManyAsync(new SessionQuery { Tag = "x" }, permanent: true);
        Assert.That(byTag.Select(s => s.Id).Order(), Is.EqualTo(new[] { "t1", "t3" }));
        Assert.That(await ListTrashAsync(), Is.Empty, "permanent: true must not go through the trash.");

        var all = await Sessions.DeleteManyAsync(SessionQuery.All);
        Assert.That(all.Select(s => s.Id), Is.EqualTo(new[] { "t2" }));
        Assert.That(await CountAsync(), Is.Zero);
    }

    [Test]
    public async Task DeleteManyAsync_OlderThan_UsesTheInjectedClock()
    {
        await Sessions.Create("idle").CreateAsync();
        _host.Time.Advance(TimeSpan.FromDays(31));
        await Sessions.Create("fresh").CreateAsync();

        var gone = await Sessions.DeleteManyAsync(TimeSpan.FromDays(30), dryRun: true);

        Assert.That(gone.Select(s => s.Id), Is.EqualTo(new[] { "idle" }));
    }

    [Test]
    public async Task DeleteManyAsync_Ids_SkipsMissing_AndValidatesEveryIdFirst()
    {
        await Sessions.Create("a").CreateAsync();
        await Sessions.Create("b").CreateAsync();

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => Sessions.DeleteManyAsync(["a", "../bad"]));
        Assert.That(ex!.ParamName, Is.EqualTo("sessionIds"));
        Assert.That(await CountAsync(), Is.EqualTo(2), "A call that fails deletes nothing.");

        var gone = await Sessions.DeleteManyAsync(["b", "missing", "a"]);
        Assert.That(gone.Select(s => s.Id), Is.EqualTo(new[] { "b", "a" }));
    }

    [Test]
    public async Task StoreWithoutTrash_DeleteThrowsNotSupported_AndDeletesNothing()
    {
        var storage = new Mock<ISessionStorage>(MockBehavior.Strict);
        var options = Microsoft.Extensions.Options.Options.Create(new SessionsOptions());
        var sessions = new SessionManager(storage.Object, new ChatProviderRegistry([], options), options, _host.Time);

        var ex = await Assert.ThrowsAsync<NotSupportedException>(() => sessions.DeleteAsync("a"));
        Assert.That(ex!.Message, Does.Contain("permanent: true"));
        await Assert.ThrowsAsync<NotSupportedException>(() => sessions.DeleteManyAsync(SessionQuery.All));
        await Assert.ThrowsAsync<NotSupportedException>(() => sessions.ApplyRetentionAsync(new SessionRetentionPolicy { TrashAfterIdle = TimeSpan.FromDays(1) }));
        storage.Verify(s => s.DeleteAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);

        storage.Setup(s => s.DeleteAsync("a", It.IsAny<CancellationToken>())).ReturnsAsync(true);
        Assert.That(await sessions.DeleteAsync("a", permanent: true), Is.True);
        Assert.That(await sessions.RestoreAsync("a"), Is.False);
        Assert.That(await ToListAsync(sessions.ListTrashAsync()), Is.Empty);
    }

    [Test]
    public async Task InvalidIds_ThrowArgumentExceptionNamingTheParameter()
    {
        Assert.That((await Assert.ThrowsAsync<ArgumentException>(() => Sessions.DeleteAsync("a/b", permanent: true)))!.ParamName, Is.EqualTo("sessionId"));
        Assert.That((await Assert.ThrowsAsync<ArgumentException>(() => Sessions.RestoreAsync("")))!.ParamName, Is.EqualTo("sessionId"));
        Assert.That((await Assert.ThrowsAsync<ArgumentException>(() => Sessions.PurgeAsync("..")))!.ParamName, Is.EqualTo("sessionId"));
    }

    private async Task<List<TrashedSession>> ListTrashAsync() => await ToListAsync(Sessions.ListTrashAsync());

    private async Task<int> CountAsync() => (await ToListAsync(Sessions.ListAsync())).Count;

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items) list.Add(item);
        return list;
    }
}

using System.Runtime.CompilerServices;
using Moq;

namespace Sessions.Sdk.Tests;

/// <summary>DelegatingSessionStorage forwards every member to its inner store and finds capabilities through decorators.</summary>
public sealed class DelegatingSessionStorageTests
{
    private static readonly SessionInfo Info = new() { Id = "s", CreatedAt = FormatTestData.Created, UpdatedAt = FormatTestData.Created };

    [Test]
    public async Task EveryMember_ForwardsArgumentsAndResultToTheInnerStore()
    {
        using var cts = new CancellationTokenSource();
        var token = cts.Token;
        var inner = new Mock<ISessionStorage>(MockBehavior.Strict);
        IReadOnlyList<SessionMessage> messages = FormatTestData.Messages();
        var updated = Info with { Version = 2 };
        inner.Setup(s => s.CreateAsync(Info, messages, token)).ReturnsAsync(updated);
        inner.Setup(s => s.GetAsync("s", token)).ReturnsAsync(Info);
        inner.Setup(s => s.AppendMessagesAsync("s", messages, token)).ReturnsAsync(messages);
        inner.Setup(s => s.GetMessagesAsync("s", MessageRange.Last(2), token)).ReturnsAsync(messages);
        inner.Setup(s => s.UpdateAsync(Info, token)).ReturnsAsync(updated);
        inner.Setup(s => s.ReplaceMessagesAsync("s", messages, 7, token)).ReturnsAsync(updated);
        inner.Setup(s => s.DeleteAsync("s", token)).ReturnsAsync(true);
        inner.Setup(s => s.ExistsAsync("s", token)).ReturnsAsync(true);
        var query = new SessionQuery { Tag = "x" };
        inner.Setup(s => s.ListAsync(query, token)).Returns(Listing(Info));
        var storage = new PassThroughStorage(inner.Object);

        Assert.That(await storage.CreateAsync(Info, messages, token), Is.SameAs(updated));
        Assert.That(await storage.GetAsync("s", token), Is.SameAs(Info));
        Assert.That(await storage.AppendMessagesAsync("s", messages, token), Is.SameAs(messages));
        Assert.That(await storage.GetMessagesAsync("s", MessageRange.Last(2), token), Is.SameAs(messages));
        Assert.That(await storage.UpdateAsync(Info, token), Is.SameAs(updated));
        Assert.That(await storage.ReplaceMessagesAsync("s", messages, 7, token), Is.SameAs(updated));
        Assert.That(await storage.DeleteAsync("s", token), Is.True);
        Assert.That(await storage.ExistsAsync("s", token), Is.True);
        Assert.That(await storage.ListAsync(query, token).ToListAsync(), Is.EqualTo(new[] { Info }));
        inner.VerifyAll();
    }

    [Test]
    public void Constructor_NullInner_ThrowsArgumentNullException() =>
        Assert.That(() => new PassThroughStorage(null!), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("innerStorage"));

    [Test]
    public void GetCapability_InnerHasIt_ReturnsTheInnerCapability()
    {
        var inner = new SearchableStorage();
        var storage = new PassThroughStorage(new PassThroughStorage(inner));

        Assert.That(storage.GetCapability<ISessionSearch>(), Is.SameAs(inner));
        Assert.That(storage.GetCapability<ISessionTrash>(), Is.InstanceOf<MemorySessionStorage>(), "the innermost store's trash, through two decorators");
        Assert.That(storage, Is.Not.InstanceOf<ISessionSearch>());
        Assert.That(storage, Is.Not.InstanceOf<ISessionTrash>());
    }

    [Test]
    public void GetCapability_DecoratorImplementsIt_ReturnsTheDecorator()
    {
        var storage = new TrashingStorage(new SearchableStorage());

        Assert.That(storage.GetCapability<ISessionTrash>(), Is.SameAs(storage));
        Assert.That(((ISessionStorage)storage).GetCapability<ISessionSearch>(), Is.Not.Null);
    }

    [Test]
    public void GetCapability_PlainStore_IsACast()
    {

        var plain = new MemorySessionStorage();
        var bare = new Moq.Mock<ISessionStorage>().Object;

        Assert.That(((ISessionStorage)plain).GetCapability<ISessionTrash>(), Is.SameAs(plain));
        Assert.That(((ISessionStorage)plain).GetCapability<ISessionSearch>(), Is.SameAs(plain));
        Assert.That(bare.GetCapability<ISessionTrash>(), Is.Null);
    }

    [Test]
    public async Task SessionManager_SearchThroughDecorator_UsesTheInnerStoresSearch()
    {
        var inner = new SearchableStorage();
        using var host = new CoreTestHost(build: b => b.UseStorage(new PassThroughStorage(inner)));

        var hits = await host.Sessions.SearchAsync(new SessionSearchQuery { Text = "hello" }).ToListAsync();

        Assert.That(inner.Searches, Is.EqualTo(1));
        Assert.That(hits, Is.Empty);
    }

    private static async IAsyncEnumerable<SessionInfo> Listing(params SessionInfo[] infos)
    {
        await Task.Yield();
        foreach (var info in infos) yield return info;
    }

    private static async IAsyncEnumerable<TrashedSession> TrashListing()
    {
        await Task.Yield();
        yield break;
    }

    private sealed class PassThroughStorage(ISessionStorage inner) : DelegatingSessionStorage(inner);

    private sealed class TrashingStorage(ISessionStorage inner) : DelegatingSessionStorage(inner), ISessionTrash
    {
        public ValueTask<bool> TrashAsync(string sessionId, CancellationToken cancellationToken = default) => ValueTask.FromResult(false);

        public IAsyncEnumerable<TrashedSession> ListTrashAsync(CancellationToken cancellationToken = default) => TrashListing();

        public ValueTask<bool> RestoreAsync(string sessionId, CancellationToken cancellationToken = default) => ValueTask.FromResult(false);

        public ValueTask<bool> PurgeAsync(string sessionId, CancellationToken cancellationToken = default) => ValueTask.FromResult(false);
    }

    private sealed class SearchableStorage : DelegatingSessionStorage, ISessionSearch
    {
        public SearchableStorage()
            : base(new MemorySessionStorage())
        {
        }

        public int Searches { get; private set; }

        public async IAsyncEnumerable<SessionSearchHit> SearchAsync(SessionSearchQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            Searches++;
            await Task.Yield();
            yield break;
        }
    }
}

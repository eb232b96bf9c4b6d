using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Moq;

namespace Sessions.Sdk.Tests;

[TestFixture(CoreStoreKind.Memory)]
[TestFixture(CoreStoreKind.File)]
public sealed class SessionManagerTests(CoreStoreKind store)
{
    private CoreTestHost _host = null!;

    private ISessionManager Sessions => _host.Sessions;

    public static IEnumerable<string> HostileIds() =>
    [
        "", " ", "   ", "\t", "\n", "..", ".", "../x", "..\\x", "a/../b", "/etc/passwd", "C:\\Windows", "C:", "a/b", "a\\b",
        "con", "CON", "nul", "nul.txt", "com1", "lpt9", "aux", "prn", new string('a', 129), "a\0b", "a\u0001b", "a\u007f",
        "ab\u0430", "\u2024\u2024", "tr\u00e8s", "a b", "a:b", "a*b", "a?b", "a|b", "-leading", ".hidden", "trailing.", "a..b", "\u202eevil",
    ];

    [SetUp]
    public void SetUp() => _host = new CoreTestHost(o => o.DefaultProvider = "fake", store: store);

    [TearDown]
    public void TearDown() => _host.Dispose();

    [Test]
    public async Task Create_WithoutId_GeneratesTimeSortableId()
    {
        var first = await Sessions.Create().CreateAsync();
        _host.Time.Advance(TimeSpan.FromMilliseconds(5));
        var second = await Sessions.Create().CreateAsync();

        Assert.That(first.Id, Has.Length.EqualTo(26));
        Assert.That(SessionIds.IsValid(first.Id), Is.True);
        Assert.That(string.CompareOrdinal(first.Id, second.Id), Is.LessThan(0));
    }

    [Test]
    public async Task Create_WithEveryBuilderSetting_StoresThem()
    {
        var s = await Sessions.Create("support-1234")
            .WithTitle("Order question").WithTags("support", "orders", "SUPPORT").WithMetadata("customer", "42")
            .WithSystemPrompt("You are a support agent.").WithProvider("fake", "gpt-4o-mini").WithKind(SessionKind.Plan)
            .WithMessages(new ChatMessage(ChatRole.User, "hi"), new ChatMessage(ChatRole.Assistant, "hello"))
            .CreateAsync();

        var stored = await Sessions.GetInfoAsync("support-1234");
        Assert.That(stored, Is.Not.Null);
        Assert.That(stored!.Title, Is.EqualTo("Order question"));
        Assert.That(stored.Tags, Is.EqualTo(new[] { "support", "orders" }));
        Assert.That(stored.Metadata["customer"], Is.EqualTo("42"));
        Assert.That(stored.SystemPrompt, Is.EqualTo("You are a support agent."));
        Assert.That(stored.ProviderName, Is.EqualTo("fake"));
        Assert.That(stored.ModelId, Is.EqualTo("gpt-4o-mini"));
        Assert.That(stored.Kind, Is.EqualTo(SessionKind.Plan));
        Assert.That(stored.MessageCount, Is.EqualTo(2));
        Assert.That(stored.CreatedAt, Is.EqualTo(_host.Time.GetUtcNow()));
        Assert.That((s.Info.Version, s.Info.MessageCount, s.Info.Title), Is.EqualTo((stored.Version, stored.MessageCount, stored.Title)));
        Assert.That(s.Tags, Is.EqualTo(stored.Tags));
    }

    [Test]
    public async Task Create_WithoutSystemPrompt_UsesOptionsSystemPrompt()
    {
        using var host = new CoreTestHost(o => o.SystemPrompt = "Be brief.", store: store);

        var defaulted = await host.Sessions.Create("a").CreateAsync();
        var overridden = await host.Sessions.Create("b").WithSystemPrompt(null).CreateAsync();

        Assert.That(defaulted.SystemPrompt, Is.EqualTo("Be brief."));
        Assert.That(overridden.SystemPrompt, Is.Null);
    }

    [Test]
    public async Task CreateAsync_DuplicateId_ThrowsSessionAlreadyExists()
    {
        await Sessions.Create("dup").CreateAsync();

        var ex = await Assert.ThrowsAsync<SessionAlreadyExistsException>(() => Sessions.Create("dup").CreateAsync());

        Assert.That(ex!.SessionId, Is.EqualTo("dup"));
    }

    [Test]
    public async Task OpenOrCreateAsync_Existing_OpensItUnchanged()
    {
        await Sessions.Create("s1").WithTitle("original").CreateAsync();

        var opened = await Sessions.Create("s1").WithTitle("ignored").OpenOrCreateAsync();
        var created = await Sessions.Create("s2").WithTitle("new").OpenOrCreateAsync();

        Assert.That(opened.Title, Is.EqualTo("original"));
        Assert.That(created.Title, Is.EqualTo("new"));
        Assert.That(await Sessions.ExistsAsync("s2"), Is.True);
    }

    [Test]
    public async Task OpenOrCreateAsync_WithoutId_ThrowsInvalidOperation()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() => Sessions.Create().OpenOrCreateAsync());
    }

    [Test]
    public async Task OpenAsync_Existing_ReadsInfoButNoMessages()
    {
        await Sessions.Create("s1").WithMessages(Enumerable.Range(0, 100).Select(i => new ChatMessage(ChatRole.User, $"m{i}"))).CreateAsync();
        _host.Storage.ResetCounters();

        var s = await Sessions.OpenAsync("s1");

        Assert.That(s.MessageCount, Is.EqualTo(100));
        Assert.That(_host.Storage.MessagesRead, Is.Zero);
    }

    [Test]
    public async Task OpenAsync_Missing_ThrowsSessionNotFound()
    {
        var ex = await Assert.ThrowsAsync<SessionNotFoundException>(() => Sessions.OpenAsync("missing"));
        Assert.That(ex!.SessionId, Is.EqualTo("missing"));
    }

    [TestCaseSource(nameof(HostileIds))]
    public void Create_HostileId_ThrowsArgumentExceptionNamingParameter(string id)
    {
        var ex = Assert.Throws(Is.InstanceOf<ArgumentException>(), () => Sessions.Create(id)) as ArgumentException;
        Assert.That(ex!.ParamName, Is.EqualTo("sessionId"));
    }

    [TestCaseSource(nameof(HostileIds))]
    public async Task OpenAsync_HostileId_ThrowsArgumentExceptionNamingParameter(string id)
    {
        var ex = await Assert.CatchAsync<ArgumentException>(() => Sessions.OpenAsync(id));
        Assert.That(ex!.ParamName, Is.EqualTo("sessionId"));
        Assert.That(_host.Storage.MessagesRead, Is.Zero);
    }

    [TestCaseSource(nameof(HostileIds))]
    public async Task DeleteAsync_HostileId_ThrowsArgumentExceptionNamingParameter(string id)
    {
        var ex = await Assert.CatchAsync<ArgumentException>(() => Sessions.DeleteAsync(id));
        Assert.That(ex!.ParamName, Is.EqualTo("sessionId"));
    }

    [Test]
    public async Task ResumeLastAsync_SeveralSessions_OpensMostRecentlyUpdated()
    {
        var a = await Sessions.Create("a").CreateAsync();
        _host.Time.Advance(TimeSpan.FromSeconds(1));
        await Sessions.Create("b").CreateAsync();
        _host.Time.Advance(TimeSpan.FromSeconds(1));
        await a.AddMessageAsync(new ChatMessage(ChatRole.User, "touch a"));

        var last = await Sessions.ResumeLastAsync();

        Assert.That(last, Is.Not.Null);
        Assert.That(last!.Id, Is.EqualTo("a"));
    }

    [Test]
    public async Task ResumeLastAsync_ByKind_OpensMostRecentOfThatKind()
    {
        await Sessions.Create("plan").WithKind(SessionKind.Plan).CreateAsync();
        _host.Time.Advance(TimeSpan.FromSeconds(1));
        await Sessions.Create("chat").CreateAsync();

        var last = await Sessions.ResumeLastAsync(SessionKind.Plan);

        Assert.That(last!.Id, Is.EqualTo("plan"));
    }

    [Test]
    public async Task ResumeLastAsync_EmptyStore_ReturnsNull()
    {
        Assert.That(await Sessions.ResumeLastAsync(), Is.Null);
    }

    [Test]
    public async Task TryOpenAsync_Missing_ReturnsNull()
    {
        Assert.That(await Sessions.TryOpenAsync("missing"), Is.Null);
    }

    [Test]
    public async Task ListAsync_WithTagAndTake_ReturnsMatchingPageNewestFirst()
    {
        for (int i = 0; i < 5; i++)
        {
            await Sessions.Create($"s{i}").WithTags(i % 2 == 0 ? "support" : "other").CreateAsync();
            _host.Time.Advance(TimeSpan.FromSeconds(1));
        }

        var ids = new List<string>();
        await foreach (var info in Sessions.ListAsync(new SessionQuery { Tag = "support", Take = 2 }))
        {
            ids.Add(info.Id);
        }

        Assert.That(ids, Is.EqualTo(new[] { "s4", "s2" }));
    }

    [Test]
    public async Task DeleteAsync_Existing_RemovesItAndReturnsTrue()
    {
        await Sessions.Create("gone").CreateAsync();

        Assert.That(await Sessions.DeleteAsync("gone"), Is.True);
        Assert.That(await Sessions.DeleteAsync("gone"), Is.False);
        Assert.That(await Sessions.ExistsAsync("gone"), Is.False);
        Assert.That(await Sessions.GetInfoAsync("gone"), Is.Null);
    }

    [Test]
    public async Task SearchAsync_StorageImplementsSearch_UsesIt()
    {
        var s = await Sessions.Create("s1").CreateAsync();
        await s.AddMessageAsync(new ChatMessage(ChatRole.User, "where is my parcel"));

        var hits = new List<SessionSearchHit>();
        await foreach (var hit in Sessions.SearchAsync(new SessionSearchQuery { Text = "parcel" }))
        {
            hits.Add(hit);
        }

        Assert.That(hits, Has.Count.EqualTo(1));
        Assert.That(hits[0].SessionId, Is.EqualTo("s1"));
    }

    [Test]
    public async Task SearchAsync_StorageWithoutSearch_FallsBackToScanning()
    {
        var services = new ServiceCollection();
        var storage = new Mock<ISessionStorage>(MockBehavior.Strict);
        var info = new SessionInfo { Id = "s1", Title = "Parcel", CreatedAt = _host.Time.GetUtcNow(), UpdatedAt = _host.Time.GetUtcNow(), MessageCount = 1 };
        storage.Setup(s => s.ListAsync(It.IsAny<SessionQuery>(), It.IsAny<CancellationToken>())).Returns(new[] { info }.ToAsyncEnumerable());
        storage.Setup(s => s.GetMessagesAsync("s1", It.IsAny<MessageRange>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync([new SessionMessage { Sequence = 1, Message = new ChatMessage(ChatRole.User, "where is my parcel"), Timestamp = info.CreatedAt }]);
        services.AddSessions().UseStorage(storage.Object);
        using var provider = services.BuildServiceProvider();
        var manager = provider.GetRequiredService<ISessionManager>();

        var hits = new List<SessionSearchHit>();
        await foreach (var hit in manager.SearchAsync(new SessionSearchQuery { Text = "parcel", IncludeTitles = false }))
        {
            hits.Add(hit);
        }

        Assert.That(hits.Select(h => (h.SessionId, h.Sequence)), Is.EqualTo(new[] { ("s1", (long?)1) }));
        Assert.That(hits[0].Snippet, Does.Contain("[parcel]"));
    }

    [Test]
    public void SearchAsync_EmptyText_ThrowsArgumentException()
    {
        Assert.Throws(Is.InstanceOf<ArgumentException>(), () => Sessions.SearchAsync(new SessionSearchQuery { Text = " " }));
    }

    [Test]
    public void Storage_IsTheRegisteredStorage()
    {
        Assert.That(Sessions.Storage, Is.SameAs(_host.Storage));
    }
}

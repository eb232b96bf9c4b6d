using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Moq;
using Sessions.Sdk.Testing;

namespace Sessions.Sdk.Tests;

public sealed class MemorySessionStorageTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Test]
    public void Constructor_NullTimeProvider_ThrowsArgumentNullException()
    {
        Assert.That(() => new MemorySessionStorage(null!), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("timeProvider"));
    }

    [Test]
    public async Task AppendMessagesAsync_CallerMutatesMessageAfterwards_StoredMessageUnchanged()
    {
        var storage = new MemorySessionStorage();
        await storage.CreateAsync(Session("s1"), []);
        var chat = new ChatMessage(ChatRole.User, "original");

        await storage.AppendMessagesAsync("s1", [new SessionMessage { Message = chat, Timestamp = T0 }]);
        chat.Contents.Add(new TextContent(" tampered"));
        chat.Contents.RemoveAt(0);

        var stored = await storage.GetMessagesAsync("s1", MessageRange.All);
        Assert.That(stored.Single().Text, Is.EqualTo("original"));
    }

    [Test]
    public async Task CreateAsync_CallerMutatesTagsAndMetadataAfterwards_StoredInfoUnchanged()
    {
        var storage = new MemorySessionStorage();
        var tags = new List<string> { "a" };
        var metadata = new Dictionary<string, string> { ["k"] = "v" };

        await storage.CreateAsync(Session("s1") with { Tags = tags, Metadata = metadata }, []);
        tags.Add("b");
        metadata["k"] = "changed";

        var stored = await storage.GetAsync("s1");
        Assert.That(stored!.Tags, Is.EqualTo(new[] { "a" }));
        Assert.That(stored.Metadata["k"], Is.EqualTo("v"));
    }

    [Test]
    public async Task GetMessagesAsync_ReturnedList_IsACopy()
    {
        var storage = new MemorySessionStorage();
        await storage.CreateAsync(Session("s1"), [Message("a"), Message("b")]);

        var first = await storage.GetMessagesAsync("s1", MessageRange.All);
        var second = await storage.GetMessagesAsync("s1", MessageRange.All);

        Assert.That(first, Is.Not.SameAs(second));
        Assert.That(first, Is.Not.InstanceOf<List<SessionMessage>>(), "callers must not get the stored list");
    }

    [Test]
    public async Task Timestamps_ComeFromInjectedClock()
    {
        var clock = new ManualTimeProvider(T0);
        var storage = new MemorySessionStorage(clock);

        var created = await storage.CreateAsync(Session("s1"), []);
        clock.Advance(TimeSpan.FromMinutes(5));
        await storage.AppendMessagesAsync("s1", [Message("x")]);
        var afterAppend = await storage.GetAsync("s1");
        clock.Advance(TimeSpan.FromMinutes(5));
        var afterUpdate = await storage.UpdateAsync(afterAppend! with { Title = "t" });

        Assert.That(created.UpdatedAt, Is.EqualTo(T0));
        Assert.That(afterAppend!.UpdatedAt, Is.EqualTo(T0.AddMinutes(5)));
        Assert.That(afterUpdate.UpdatedAt, Is.EqualTo(T0.AddMinutes(10)));
    }

    [Test]
    public async Task UpdatedAt_ClockGoesBack_NeverDecreases()
    {
        var clock = new Mock<TimeProvider>();
        var now = T0.AddHours(1);
        clock.Setup(c => c.GetUtcNow()).Returns(() => now);
        var storage = new MemorySessionStorage(clock.Object);
        await storage.CreateAsync(Session("s1"), []);

        now = T0;
        await storage.AppendMessagesAsync("s1", [Message("x")]);

        Assert.That((await storage.GetAsync("s1"))!.UpdatedAt, Is.EqualTo(T0.AddHours(1)));
    }

    [Test]
    public async Task SearchAsync_DelegatesToScanningSearch()
    {
        var storage = new MemorySessionStorage();
        await storage.CreateAsync(Session("s1"), [Message("find the needle here")]);

        var hits = new List<SessionSearchHit>();
        await foreach (var hit in ((ISessionSearch)storage).SearchAsync(new SessionSearchQuery { Text = "needle" })) hits.Add(hit);

        Assert.That(hits.Single().Snippet, Is.EqualTo("find the [needle] here"));
    }

    [Test]
    public async Task AppendMessagesAsync_AfterDelete_ThrowsSessionNotFound()
    {
        var storage = new MemorySessionStorage();
        await storage.CreateAsync(Session("s1"), []);
        await storage.DeleteAsync("s1");

        var ex = await Assert.ThrowsAsync<SessionNotFoundException>(() => storage.AppendMessagesAsync("s1", [Message("x")]).AsTask());
        Assert.That(ex!.SessionId, Is.EqualTo("s1"));
    }

    [Test]
    public async Task AppendMessagesAsync_100kMessages_StaysFast()
    {
        var storage = new MemorySessionStorage();
        await storage.CreateAsync(Session("big"), []);
        var message = Message("x");

        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < 100_000; i++) await storage.AppendMessagesAsync("big", [message]);
        watch.Stop();
        var tail = await storage.GetMessagesAsync("big", MessageRange.Last(50));

        TestContext.Out.WriteLine($"100,000 appends: {watch.Elapsed.TotalMilliseconds:F0} ms ({watch.Elapsed.TotalMicroseconds / 100_000:F2} us/append)");
        Assert.That(tail[^1].Sequence, Is.EqualTo(100_000));
        Assert.That(tail, Has.Count.EqualTo(50));
    }

    [Test]
    public void UseMemoryStorage_ReplacesEarlierStorageAsSingleton()
    {
        var services = new ServiceCollection();
        var earlier = Mock.Of<ISessionStorage>();
        services.AddSingleton(earlier);
        var builder = new Mock<ISessionsBuilder>();
        builder.SetupGet(b => b.Services).Returns(services);

        var returned = builder.Object.UseMemoryStorage();

        using var provider = services.BuildServiceProvider();
        Assert.That(returned, Is.SameAs(builder.Object));
        Assert.That(services.Count(d => d.ServiceType == typeof(ISessionStorage)), Is.EqualTo(1));
        var storage = provider.GetRequiredService<ISessionStorage>();
        Assert.That(storage, Is.InstanceOf<MemorySessionStorage>());
        Assert.That(storage, Is.InstanceOf<ISessionSearch>());
        Assert.That(provider.GetRequiredService<ISessionStorage>(), Is.SameAs(storage));
    }

    [Test]
    public async Task UseMemoryStorage_UsesRegisteredTimeProvider()
    {
        var clock = new ManualTimeProvider(T0);
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        var builder = Mock.Of<ISessionsBuilder>(b => b.Services == services);
        builder.UseMemoryStorage();

        using var provider = services.BuildServiceProvider();
        var created = await provider.GetRequiredService<ISessionStorage>().CreateAsync(Session("s1"), []);

        Assert.That(created.UpdatedAt, Is.EqualTo(T0));
    }

    [Test]
    public void UseMemoryStorage_NullBuilder_ThrowsArgumentNullException()
    {
        Assert.That(() => MemoryStorageSessionsBuilderExtensions.UseMemoryStorage(null!), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("builder"));
    }

    private static SessionInfo Session(string id) => new() { Id = id, CreatedAt = T0, UpdatedAt = T0 };

    private static SessionMessage Message(string text) => new() { Message = new ChatMessage(ChatRole.User, text), Timestamp = T0 };
}

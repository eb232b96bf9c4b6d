using Microsoft.Extensions.Time.Testing;
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
    public async Task AppendAndRead_EveryFieldOfTheMessage_ComesBackEqual()
    {
        // The store keeps a message's fields inline (not the objects); this fails when either type gains a settable property it
        // does not keep, so a new field can never be dropped silently.
        Assert.That(
            typeof(ChatMessage).GetProperties().Where(p => p.SetMethod is { IsPublic: true }).Select(p => p.Name).Order(),
            Is.EqualTo(new[] { "AdditionalProperties", "AuthorName", "Contents", "CreatedAt", "MessageId", "RawRepresentation", "Role" }));
        Assert.That(
            typeof(SessionMessage).GetProperties().Where(p => p.SetMethod is not null).Select(p => p.Name).Order(),
            Is.EqualTo(new[] { "Latency", "Message", "ModelId", "Pinned", "ProviderName", "Sequence", "Timestamp", "Usage" }));
        var storage = new MemorySessionStorage();
        await storage.CreateAsync(Session("s1"), []);
        var raw = new object();
        var usage = new SessionUsage { InputTokens = 3, OutputTokens = 4, TotalTokens = 7 };
        var message = new SessionMessage
        {
            Message = new ChatMessage(ChatRole.Assistant, [new TextContent("one"), new TextContent("two")])
            {
                AuthorName = "author",
                MessageId = "m-1",
                CreatedAt = T0.AddMinutes(1),
                RawRepresentation = raw,
                AdditionalProperties = new() { ["k"] = "v" },
            },
            Timestamp = T0.AddMinutes(2),
            ProviderName = "provider",
            ModelId = "model",
            Usage = usage,
            Latency = TimeSpan.FromMilliseconds(250),
            Pinned = true,
        };

        var appended = (await storage.AppendMessagesAsync("s1", [message])).Single();
        var read = (await storage.GetMessagesAsync("s1", MessageRange.All)).Single();

        foreach (var stored in new[] { appended, read })
        {
            Assert.That(stored, Is.EqualTo(message with { Sequence = 1, Message = stored.Message }));
            var chat = stored.Message;
            Assert.That(chat.Role, Is.EqualTo(ChatRole.Assistant));
            Assert.That(chat.Contents.Select(c => ((TextContent)c).Text), Is.EqualTo(new[] { "one", "two" }));
            Assert.That((chat.AuthorName, chat.MessageId, chat.CreatedAt), Is.EqualTo(("author", "m-1", (DateTimeOffset?)T0.AddMinutes(1))));
            Assert.That(chat.RawRepresentation, Is.SameAs(raw));
            Assert.That(chat.AdditionalProperties!["k"], Is.EqualTo("v"));
        }
    }

    [Test]
    public async Task MessagesReturnedByAppendOrRead_ChangedByTheCaller_StoredHistoryUnchanged()
    {
        var storage = new MemorySessionStorage();
        await storage.CreateAsync(Session("s1"), []);
        var input = new SessionMessage { Message = new ChatMessage(ChatRole.User, "original") { AdditionalProperties = new() { ["k"] = "v" } }, Timestamp = T0 };

        var appended = (await storage.AppendMessagesAsync("s1", [input])).Single();
        var read = (await storage.GetMessagesAsync("s1", MessageRange.All)).Single();
        foreach (var chat in new[] { appended.Message, read.Message })
        {
            chat.Contents.Add(new TextContent(" tampered"));
            chat.AdditionalProperties!["k"] = "changed";
            chat.AuthorName = "someone";
        }

        Assert.That(appended.Message, Is.Not.SameAs(input.Message));
        var again = (await storage.GetMessagesAsync("s1", MessageRange.All)).Single().Message;
        Assert.That(again.Text, Is.EqualTo("original"));
        Assert.That(again.AdditionalProperties!["k"], Is.EqualTo("v"));
        Assert.That(again.AuthorName, Is.Null);
    }

    [Test]
    public async Task AppendMessagesAsync_MoreMessagesThanAChunk_ReadsBackEveryRangeInOrder()
    {
        var storage = new MemorySessionStorage();
        await storage.CreateAsync(Session("s1"), [.. Enumerable.Range(0, 300).Select(i => Message("c" + i))]);
        for (int i = 0; i < 700; i++) await storage.AppendMessagesAsync("s1", [Message("a" + i)]);

        var all = await storage.GetMessagesAsync("s1", MessageRange.All);
        var middle = await storage.GetMessagesAsync("s1", new MessageRange(250, 300));
        await storage.ReplaceMessagesAsync("s1", [Message("r0"), Message("r1")], (await storage.GetAsync("s1"))!.Version);
        var replaced = await storage.GetMessagesAsync("s1", MessageRange.All);

        Assert.That(all.Select(m => m.Sequence), Is.EqualTo(Enumerable.Range(1, 1000).Select(i => (long)i)));
        Assert.That(all.Select(m => m.Text), Is.EqualTo(Enumerable.Range(0, 300).Select(i => "c" + i).Concat(Enumerable.Range(0, 700).Select(i => "a" + i))));
        Assert.That(middle.Select(m => m.Sequence), Is.EqualTo(Enumerable.Range(251, 300).Select(i => (long)i)));
        Assert.That(replaced.Select(m => (m.Sequence, m.Text)), Is.EqualTo(new[] { (1L, "r0"), (2L, "r1") }));
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
        var clock = new FakeTimeProvider(T0);
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
    public async Task RandomOperations_AgreeWithSimpleModel([Values(1, 2, 3)] int seed)
    {
        var random = new Random(seed);
        var storage = new MemorySessionStorage();
        var info = await storage.CreateAsync(Session("model"), []);
        var model = new List<string>();
        long version = 1;
        int counter = 0;

        for (int step = 0; step < 400; step++)
        {
            switch (random.Next(10))
            {
                case < 6:
                    var batch = Enumerable.Range(0, random.Next(0, 4)).Select(_ => $"t{counter++}").ToArray();
                    var appended = await storage.AppendMessagesAsync("model", [.. batch.Select(Message)]);
                    Assert.That(appended.Select(m => m.Sequence), Is.EqualTo(Enumerable.Range(model.Count + 1, batch.Length).Select(i => (long)i)));
                    model.AddRange(batch);
                    version += batch.Length; // every appended message advances the version
                    break;
                case < 7:
                    var kept = model.Skip(random.Next(model.Count + 1)).ToList();
                    info = await storage.ReplaceMessagesAsync("model", [.. kept.Select(Message)], version);
                    version++;
                    model = kept;
                    break;
                case < 8:
                    info = await storage.UpdateAsync(info with { Title = $"t{step}", Version = version });
                    version++;
                    break;
                default:
                    var range = new MessageRange(random.Next(0, model.Count + 3), random.Next(3) == 0 ? null : random.Next(0, model.Count + 3), random.Next(2) == 0);
                    var (start, length) = range.Resolve(model.Count);
                    var read = await storage.GetMessagesAsync("model", range);
                    Assert.That(read.Select(m => m.Text), Is.EqualTo(model.Skip((int)start).Take((int)length)), $"step {step}, {range}");
                    Assert.That(read.Select(m => m.Sequence), Is.EqualTo(Enumerable.Range((int)start + 1, (int)length).Select(i => (long)i)));
                    break;
            }

            var current = await storage.GetAsync("model");
            Assert.That(current!.MessageCount, Is.EqualTo(model.Count));
            Assert.That(current.Version, Is.EqualTo(version));
        }
    }

    [Test]
    public async Task SearchAsync_200SessionsOf100Messages_PrintsTiming()
    {
        var storage = new MemorySessionStorage();
        var random = new Random(7);
        string[] vocabulary = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima"];
        for (int s = 0; s < 200; s++)
        {
            var messages = Enumerable.Range(0, 100)
                .Select(_ => Message(string.Join(' ', Enumerable.Range(0, 60).Select(_ => vocabulary[random.Next(vocabulary.Length)]))))
                .ToArray();
            await storage.CreateAsync(Session($"s{s:D3}"), messages);
        }

        var timings = new List<double>();
        int count = 0;
        for (int run = 0; run < 5; run++)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            count = 0;
            await foreach (var hit in ((ISessionSearch)storage).SearchAsync(new SessionSearchQuery { Text = "alpha bravo charl" }))
            {
                count++;
                Assert.That(hit.Snippet, Does.Contain("[alpha]"));
            }

            timings.Add(watch.Elapsed.TotalMilliseconds);
        }

        var rare = new List<double>();
        for (int run = 0; run < 5; run++)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            await foreach (var hit in ((ISessionSearch)storage).SearchAsync(new SessionSearchQuery { Text = "zulu" })) Assert.Fail($"unexpected hit {hit.Snippet}");
            rare.Add(watch.Elapsed.TotalMilliseconds);
        }

        timings.Sort();
        rare.Sort();
        TestContext.Out.WriteLine($"scanning search, 200 sessions x 100 messages (60 words each): median {timings[2]:F1} ms when every message matches ({count} hits returned), {rare[2]:F1} ms for a word no message contains");
        Assert.That(count, Is.EqualTo(20));
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
        var clock = new FakeTimeProvider(T0);
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

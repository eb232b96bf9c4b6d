using Microsoft.Extensions.AI;

namespace Sessions.Sdk.Tests;

[TestFixture(CoreStoreKind.Memory)]
[TestFixture(CoreStoreKind.File)]
public sealed class SessionMergeExtensionsTests(CoreStoreKind store)
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 9, 0, 0, TimeSpan.Zero);
    private ManagementTestHost _host = null!;

    private ISessionManager Sessions => _host.Sessions;

    [SetUp]
    public void SetUp() => _host = new ManagementTestHost(store);

    [TearDown]
    public void TearDown() => _host.Dispose();

    [Test]
    public async Task MergeAsync_OrdersByTime_TiesStableBySourceOrder_MessagesWhole()
    {
        var usage = new SessionUsage { InputTokens = 7, OutputTokens = 3, TotalTokens = 10, Cost = 0.25m, Requests = 1 };
        await CreateAsync("a", tags: ["x"], (T0.AddSeconds(1), "a1", null), (T0.AddSeconds(3), "a2", usage), (T0.AddSeconds(5), "a3", null));
        await CreateAsync("b", tags: ["y", "X"], (T0.AddSeconds(3), "b1", null), (T0, "b0", null), (T0.AddSeconds(5), "b2", null));

        var merged = await Sessions.MergeAsync(["a", "b"], "a-and-b");

        var messages = await merged.GetMessagesAsync();
        Assert.That(messages.Select(m => m.Text), Is.EqualTo(new[] { "b0", "a1", "a2", "b1", "a3", "b2" }));
        Assert.That(messages.Select(m => m.Sequence), Is.EqualTo(new long[] { 1, 2, 3, 4, 5, 6 }));
        var a2 = messages.Single(m => m.Text == "a2");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(a2.Role, Is.EqualTo(ChatRole.Assistant));
            Assert.That(a2.Timestamp, Is.EqualTo(T0.AddSeconds(3)));
            Assert.That(a2.Usage, Is.EqualTo(usage));
            Assert.That(a2.ModelId, Is.EqualTo("model-a2"));
            Assert.That(a2.ProviderName, Is.EqualTo("prov"));
            Assert.That(a2.Pinned, Is.True);
            Assert.That(merged.Id, Is.EqualTo("a-and-b"));
            Assert.That(merged.Info.Usage.TotalTokens, Is.EqualTo(10));
            Assert.That(merged.Info.Metadata[SessionMergeExtensions.MergedFromMetadataKey], Is.EqualTo("a,b"));
            Assert.That(merged.Info.Metadata[SessionMergeExtensions.MergedAtMetadataKey], Is.EqualTo(_host.Time.GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(merged.Info.Metadata["origin"], Is.EqualTo("a"), "The first source wins a metadata key.");
            Assert.That(merged.Info.Tags, Is.EqualTo(new[] { "x", "y" }));
            Assert.That(merged.Info.SystemPrompt, Is.EqualTo("prompt of a"));
        }

        // Sources untouched.
        Assert.That((await (await Sessions.OpenAsync("a")).GetMessagesAsync()).Select(m => m.Text), Is.EqualTo(new[] { "a1", "a2", "a3" }));
        Assert.That((await (await Sessions.OpenAsync("b")).GetMessagesAsync()).Select(m => m.Text), Is.EqualTo(new[] { "b1", "b0", "b2" }));
    }

    [Test]
    public async Task MergeAsync_FunctionCallsAndResults_RoundTrip()
    {
        var call = new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c1", "lookup", new Dictionary<string, object?> { ["q"] = "x" })]);
        var result = new ChatMessage(ChatRole.Tool, [new FunctionResultContent("c1", "found")]);
        await Sessions.Create("a").WithMessages(call, result).CreateAsync();
        await Sessions.Create("b").CreateAsync();

        var merged = await Sessions.MergeAsync(["a", "b"]);

        var messages = await merged.GetMessagesAsync();
        Assert.That(messages[0].Message.Contents.OfType<FunctionCallContent>().Single().Name, Is.EqualTo("lookup"));
        Assert.That(messages[1].Message.Contents.OfType<FunctionResultContent>().Single().Result?.ToString(), Does.Contain("found"));
    }

    [Test]
    public async Task MergeAsync_BadInput_ThrowsAndCreatesNothing()
    {
        await Sessions.Create("a").CreateAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => Sessions.MergeAsync([], "m"));
        await Assert.ThrowsAsync<ArgumentException>(() => Sessions.MergeAsync(["a", "a"], "m"));
        await Assert.ThrowsAsync<SessionNotFoundException>(() => Sessions.MergeAsync(["a", "missing"], "m"));
        await Assert.ThrowsAsync<SessionAlreadyExistsException>(() => Sessions.MergeAsync(["a"], "a"));
        Assert.That(await Sessions.ExistsAsync("m"), Is.False);
    }

    private async Task CreateAsync(string id, string[] tags, params (DateTimeOffset At, string Text, SessionUsage? Usage)[] messages)
    {
        var info = new SessionInfo
        {
            Id = id,
            Tags = tags,
            Metadata = new Dictionary<string, string> { ["origin"] = id },
            SystemPrompt = "prompt of " + id,
            CreatedAt = T0,
            UpdatedAt = T0,
        };
        var stored = messages.Select((m, i) => new SessionMessage
        {
            Message = new ChatMessage(i % 2 == 0 ? ChatRole.User : ChatRole.Assistant, m.Text),
            Timestamp = m.At,
            Usage = m.Usage,
            ProviderName = "prov",
            ModelId = "model-" + m.Text,
            Pinned = m.Usage is not null,
        }).ToArray();
        await Sessions.Storage.CreateAsync(info, stored);
    }
}

using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk.Tests;

public sealed partial class SessionTests
{
    private CoreTestChatClient Client => _host.Client;

    [Test]
    public async Task SendAsync_UserMessage_IsStoredBeforeTheModelCall()
    {
        var s = await Sessions.Create("s").CreateAsync();
        IReadOnlyList<SessionMessage>? storedDuringCall = null;
        Client.OnGetResponse = (messages, _, _) =>
        {
            storedDuringCall = Storage.Snapshot("s");
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "reply")));
        };

        var response = await s.SendAsync("Where is my order?");

        Assert.That(storedDuringCall!.Select(m => (m.Role, m.Text)), Is.EqualTo(new[] { (ChatRole.User, "Where is my order?") }));
        Assert.That(response.Text, Is.EqualTo("reply"));
        Assert.That(Storage.Snapshot("s").Select(m => m.Text), Is.EqualTo(new[] { "Where is my order?", "reply" }));
        Assert.That(s.MessageCount, Is.EqualTo(2));
    }

    [Test]
    public async Task SendAsync_Context_IsSystemPromptThenHistory()
    {
        var s = await Sessions.Create("s").WithSystemPrompt("Be kind.").CreateAsync();
        await s.SendAsync("one");

        await s.SendAsync("two");

        var sent = Client.Calls[^1].Messages;
        Assert.That(sent.Select(m => (m.Role, m.Text)), Is.EqualTo(new[]
        {
            (ChatRole.System, "Be kind."), (ChatRole.User, "one"), (ChatRole.Assistant, "echo: one"), (ChatRole.User, "two"),
        }));
        Assert.That(Storage.Snapshot("s").Any(m => m.Role == ChatRole.System), Is.False);
    }

    [Test]
    public async Task SendAsync_HistoryWindowOnLargeSession_ReadsOnlyTheWindow()
    {
        using var host = new CoreTestHost(o => o.MaxHistoryMessages = 50, store: store);
        var s = await host.Sessions.Create("big").WithMessages(Enumerable.Range(1, 100_000).Select(i => new ChatMessage(i % 2 == 1 ? ChatRole.User : ChatRole.Assistant, $"m{i}"))).CreateAsync();
        host.Storage.ResetCounters();

        await s.SendAsync("latest");

        var sent = host.Client.Calls[^1].Messages;
        TestContext.Out.WriteLine($"messages read from storage for one send on a 100,000-message session with window 50: {host.Storage.MessagesRead}");
        Assert.That(sent, Has.Count.EqualTo(50));
        Assert.That(sent[^1].Text, Is.EqualTo("latest"));
        Assert.That(sent[0].Text, Is.EqualTo("m99952"));
        Assert.That(host.Storage.MessagesRead, Is.EqualTo(50));
    }

    [Test]
    public async Task SendAsync_Reply_StoresProviderModelUsageAndLatency()
    {
        var s = await Sessions.Create("s").WithProvider("fake", "model-a").CreateAsync();
        Client.OnGetResponse = (_, _, _) =>
        {
            _host.Time.Advance(TimeSpan.FromMilliseconds(250));
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "hi"))
            {
                ModelId = "model-a-2025",
                Usage = new UsageDetails { InputTokenCount = 12, OutputTokenCount = 3, TotalTokenCount = 15 },
            });
        };

        await s.SendAsync("hello");

        var reply = Storage.Snapshot("s")[^1];
        Assert.That(reply.ProviderName, Is.EqualTo("fake"));
        Assert.That(reply.ModelId, Is.EqualTo("model-a-2025"));
        Assert.That(reply.Usage, Is.EqualTo(new SessionUsage { InputTokens = 12, OutputTokens = 3, TotalTokens = 15, Requests = 1, UnpricedRequests = 1 }), "no price in the catalog: unknown, not $0");
        Assert.That(reply.Latency, Is.EqualTo(TimeSpan.FromMilliseconds(250)));
        Assert.That(s.Usage, Is.EqualTo(reply.Usage));
        Assert.That((await Sessions.GetInfoAsync("s"))!.Usage.TotalTokens, Is.EqualTo(15));
    }

    [Test]
    public async Task SendAsync_NoResponseModel_StoresRequestedModelAndCountsRequest()
    {
        var s = await Sessions.Create("s").CreateAsync();

        await s.SendAsync("hello");

        var reply = Storage.Snapshot("s")[^1];
        Assert.That(reply.ModelId, Is.EqualTo("fake-model"));
        Assert.That(reply.Usage!.Requests, Is.EqualTo(1));
        Assert.That(reply.Usage.TotalTokens, Is.Zero);
    }

    [Test]
    public async Task SendAsync_MultiMessageResponse_StoresEveryMessageWithUsageOnce()
    {
        var s = await Sessions.Create("s").CreateAsync();
        Client.OnGetResponse = (_, _, _) => Task.FromResult(new ChatResponse(
        [
            new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c1", "lookup")]),
            new ChatMessage(ChatRole.Tool, [new FunctionResultContent("c1", "42")]),
            new ChatMessage(ChatRole.Assistant, "It is 42."),
        ])
        { Usage = new UsageDetails { InputTokenCount = 10, OutputTokenCount = 5 } });

        await s.SendAsync("what is it?");

        var stored = Storage.Snapshot("s");
        Assert.That(stored.Select(m => m.Role), Is.EqualTo(new[] { ChatRole.User, ChatRole.Assistant, ChatRole.Tool, ChatRole.Assistant }));
        Assert.That(stored[1].Message.Contents.OfType<FunctionCallContent>().Single().CallId, Is.EqualTo("c1"));
        Assert.That(stored.Count(m => m.Usage is not null), Is.EqualTo(1));
        Assert.That(s.Usage.TotalTokens, Is.EqualTo(15));
    }

    [Test]
    public async Task SendAsync_ModelOptions_ComeFromSessionAndSessionsOptions()
    {
        using var host = new CoreTestHost(o => { o.Temperature = 0.3f; o.MaxOutputTokens = 100; }, store: store);
        var s = await host.Sessions.Create("s").WithModel("session-model").CreateAsync();

        await s.SendAsync("a");
        await s.SendAsync(new ChatMessage(ChatRole.User, "b"), new ChatOptions { Temperature = 0.9f, ModelId = "call-model" });

        var first = host.Client.Calls[0].Options!;
        var second = host.Client.Calls[1].Options!;
        Assert.That((first.ModelId, first.Temperature, first.MaxOutputTokens), Is.EqualTo(("session-model", (float?)0.3f, (int?)100)));
        Assert.That((second.ModelId, second.Temperature, second.MaxOutputTokens), Is.EqualTo(("call-model", (float?)0.9f, (int?)100)));
    }

    [Test]
    public async Task SendAsync_ModelFails_KeepsUserMessageAndPropagatesSameException()
    {
        var s = await Sessions.Create("s").CreateAsync();
        var failure = new ChatProviderException("fake", "server error", 500, isTransient: true);
        Client.OnGetResponse = (_, _, _) => throw failure;

        var thrown = await Assert.ThrowsAsync<ChatProviderException>(() => s.SendAsync("hello"));

        Assert.That(thrown, Is.SameAs(failure));
        Assert.That(Storage.Snapshot("s").Select(m => m.Role), Is.EqualTo(new[] { ChatRole.User }));
        Assert.That(s.MessageCount, Is.EqualTo(1));

        Client.OnGetResponse = (m, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")));
        await s.SendAsync("again");
        Assert.That(Storage.Snapshot("s").Select(m => m.Text), Is.EqualTo(new[] { "hello", "again", "ok" }));
    }

    [Test]
    public async Task SendAsync_UnknownProvider_ThrowsListingRegisteredProvidersAndStoresNothing()
    {
        var s = await Sessions.Create("s").WithProvider("nope").CreateAsync();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => s.SendAsync("hello"));

        Assert.That(ex!.Message, Does.Contain("'nope'").And.Contain("Registered providers: fake"));
        Assert.That(Storage.Snapshot("s"), Is.Empty);
    }

    [Test]
    public async Task SetProviderAsync_MidSession_NextCallUsesNewProviderWithSameHistory()
    {
        var other = CoreTestChatClient.Echo();
        using var host = new CoreTestHost(build: b => b.AddChatProvider("other", other, "other-model"), store: store);
        var s = await host.Sessions.Create("s").WithProvider("fake").CreateAsync();
        await s.SendAsync("first");

        await s.SetProviderAsync("other");
        await s.SendAsync("second");

        Assert.That(other.Calls, Has.Count.EqualTo(1));
        Assert.That(other.Calls[0].Messages.Select(m => m.Text), Is.EqualTo(new[] { "first", "echo: first", "second" }));
        Assert.That(other.Calls[0].Options!.ModelId, Is.EqualTo("other-model"));
        Assert.That(host.Storage.Snapshot("s")[^1].ProviderName, Is.EqualTo("other"));
    }

    [Test]
    public async Task SendAsync_AutosaveOff_BuffersBothMessagesUntilSave()
    {
        var s = await Sessions.Create("s").WithAutosave(false).CreateAsync();

        await s.SendAsync("one");
        await s.SendAsync("two");

        Assert.That(Client.Calls[^1].Messages.Select(m => m.Text), Is.EqualTo(new[] { "one", "echo: one", "two" }));
        Assert.That(Storage.Snapshot("s"), Is.Empty);
        await s.SaveAsync();
        Assert.That(Storage.Snapshot("s"), Has.Count.EqualTo(4));
    }

    [Test]
    public async Task StreamAsync_Completed_YieldsUpdatesAndStoresAssembledReply()
    {
        var s = await Sessions.Create("s").CreateAsync();
        int storedWhileStreaming = -1;
        Client.OnGetStreamingResponse = (_, _, ct) => Stream(ct);

        async IAsyncEnumerable<ChatResponseUpdate> Stream([EnumeratorCancellation] CancellationToken ct)
        {
            storedWhileStreaming = Storage.Snapshot("s").Count;
            await foreach (var u in CoreTestChatClient.Pieces(["Hel", "lo", "!"], ct))
            {
                yield return u;
            }

            yield return new ChatResponseUpdate { Contents = [new UsageContent(new UsageDetails { InputTokenCount = 4, OutputTokenCount = 3 })], ModelId = "stream-model" };
        }

        var pieces = new List<string>();
        await foreach (var update in s.StreamAsync("hi"))
        {
            pieces.Add(update.Text);
            Assert.That(Storage.Snapshot("s"), Has.Count.EqualTo(1), "nothing but the user message is stored while streaming");
        }

        Assert.That(storedWhileStreaming, Is.EqualTo(1));
        Assert.That(string.Concat(pieces), Is.EqualTo("Hello!"));
        var stored = Storage.Snapshot("s");
        Assert.That(stored.Select(m => (m.Role, m.Text)), Is.EqualTo(new[] { (ChatRole.User, "hi"), (ChatRole.Assistant, "Hello!") }));
        Assert.That(stored[1].Usage, Is.EqualTo(new SessionUsage { InputTokens = 4, OutputTokens = 3, TotalTokens = 7, Requests = 1, UnpricedRequests = 1 }), "no price in the catalog: unknown, not $0");
        Assert.That(stored[1].ModelId, Is.EqualTo("stream-model"));
        Assert.That(stored[1].ProviderName, Is.EqualTo("fake"));
    }

    [Test]
    public async Task StreamAsync_Cancelled_PropagatesAndStoresNoReply()
    {
        var s = await Sessions.Create("s").CreateAsync();
        Client.OnGetStreamingResponse = (_, _, ct) => CoreTestChatClient.Pieces(Enumerable.Repeat("x", 100), ct);
        using var cts = new CancellationTokenSource();

        var ex = await Assert.CatchAsync<OperationCanceledException>(async () =>
        {
            int n = 0;
            await foreach (var _ in s.StreamAsync("hi", cancellationToken: cts.Token))
            {
                if (++n == 3)
                {
                    await cts.CancelAsync();
                }
            }
        });

        Assert.That(ex, Is.Not.Null);
        Assert.That(Storage.Snapshot("s").Select(m => m.Role), Is.EqualTo(new[] { ChatRole.User }));
    }

    [Test]
    public async Task StreamAsync_AbandonedByCaller_StoresNoReply()
    {
        var s = await Sessions.Create("s").CreateAsync();
        Client.OnGetStreamingResponse = (_, _, ct) => CoreTestChatClient.Pieces(["a", "b", "c"], ct);

        await foreach (var _ in s.StreamAsync("hi"))
        {
            break;
        }

        Assert.That(Storage.Snapshot("s").Select(m => m.Role), Is.EqualTo(new[] { ChatRole.User }));
    }

    [Test]
    public async Task StreamAsync_StreamFails_PropagatesSameExceptionAndStoresNoReply()
    {
        var s = await Sessions.Create("s").CreateAsync();
        var failure = new IOException("connection reset");
        Client.OnGetStreamingResponse = (_, _, ct) => Failing(ct);

        async IAsyncEnumerable<ChatResponseUpdate> Failing([EnumeratorCancellation] CancellationToken ct)
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, "partial");
            await Task.Yield();
            throw failure;
        }

        var thrown = await Assert.ThrowsAsync<IOException>(async () =>
        {
            await foreach (var _ in s.StreamAsync("hi"))
            {
            }
        });

        Assert.That(thrown, Is.SameAs(failure));
        Assert.That(Storage.Snapshot("s").Select(m => m.Role), Is.EqualTo(new[] { ChatRole.User }));
    }
}

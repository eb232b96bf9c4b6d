using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Sessions.Sdk.Testing;

namespace Sessions.Sdk.Tests;

/// <summary>The chat turn as sessions use it: bounded default context, tool-round limit, turn serialization and prompt validation.</summary>
public sealed class ChatTurnTests
{
    private static readonly AIFunction Add = AIFunctionFactory.Create((int a, int b) => a + b, "add");

    private static (ServiceProvider Provider, ISessionManager Sessions, ISessionStorage Storage) Create(
        IChatClient client, Action<ISessionsBuilder>? build = null, Action<SessionsOptions>? configure = null)
    {
        var services = new ServiceCollection();
        var builder = services.AddSessions(configure).UseMemoryStorage().AddChatProvider("fake", client, "fake-model")
            .ConfigureResilience(o => o.Enabled = false);
        build?.Invoke(builder);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        return (provider, provider.GetRequiredService<ISessionManager>(), provider.GetRequiredService<ISessionStorage>());
    }

    private static async Task SeedAsync(ISessionStorage storage, string id, int count)
    {
        var t = DateTimeOffset.UnixEpoch;
        var messages = Enumerable.Range(0, count)
            .Select(i => new SessionMessage { Message = new ChatMessage(i % 2 == 0 ? ChatRole.User : ChatRole.Assistant, "m" + i), Timestamp = t })
            .ToList();
        await storage.CreateAsync(new SessionInfo { Id = id, CreatedAt = t, UpdatedAt = t }, messages);
    }

    [Test]
    public async Task SendAsync_DefaultOptions_SendsOnlyTheLast100Messages()
    {
        var client = new ScriptedChatClient("fake-model").EnqueueText("ok");
        var (provider, sessions, storage) = Create(client);
        using var _ = provider;
        await SeedAsync(storage, "s", 1_000);
        var session = await sessions.OpenAsync("s");

        await session.SendAsync("next");

        var sent = client.LastRequest.Messages;
        Assert.That(sent, Has.Count.EqualTo(100), "the newest 100 stored messages, the prompt included");
        Assert.That(sent[^1].Text, Is.EqualTo("next"));
        Assert.That(sent[0].Text, Is.EqualTo("m901"));
        Assert.That(await storage.GetMessagesAsync("s", MessageRange.All), Has.Count.EqualTo(1_002), "the stored transcript stays whole");
    }

    [Test]
    public async Task SendAsync_SessionOverridesHistoryWindow_UsesItsOwn()
    {
        var client = new ScriptedChatClient("fake-model").EnqueueText("a").EnqueueText("b");
        var (provider, sessions, storage) = Create(client, configure: o => o.MaxHistoryMessages = 50);
        using var _ = provider;
        await SeedAsync(storage, "s", 200);
        var session = await sessions.OpenAsync("s");
        Assert.That(session.MaxHistoryMessages, Is.EqualTo(50), "the global setting is the default");

        session.MaxHistoryMessages = 3;
        await session.SendAsync("x");
        int windowed = client.LastRequest.Messages.Count;
        session.MaxHistoryMessages = null;
        await session.SendAsync("y");

        Assert.That(windowed, Is.EqualTo(3));
        Assert.That(client.LastRequest.Messages, Has.Count.EqualTo(203), "null sends the whole transcript");
        Assert.Throws<ArgumentOutOfRangeException>(() => session.MaxHistoryMessages = 0);
    }

    [Test]
    public async Task SendAsync_ModelCatalogWindow_IsTheDefaultTokenBudget()
    {
        var client = new ScriptedChatClient("fake-model").EnqueueText("ok");
        var (provider, sessions, storage) = Create(client, b => b.AddModel(new ChatModelInfo { ProviderName = "fake", ModelId = "fake-model", ContextWindow = 1_000, MaxOutputTokens = 500 }));
        using var _ = provider;
        var t = DateTimeOffset.UnixEpoch;
        await storage.CreateAsync(new SessionInfo { Id = "s", CreatedAt = t, UpdatedAt = t },
            [.. Enumerable.Range(0, 20).Select(i => new SessionMessage { Message = new ChatMessage(ChatRole.User, new string('x', 400)), Timestamp = t })]);
        var session = await sessions.OpenAsync("s");

        await session.SendAsync("q");

        Assert.That(client.LastRequest.Messages.Count, Is.LessThan(6), "about 500 tokens of 104-token messages fit the window minus the output reserve");
        Assert.That(client.LastRequest.Messages[^1].Text, Is.EqualTo("q"));
    }

    [Test]
    public async Task SendAsync_WindowStartsInsideToolRound_DropsTheOrphanedResult()
    {
        var client = new ScriptedChatClient("fake-model").EnqueueText("ok");
        var (provider, sessions, storage) = Create(client, configure: o => o.MaxHistoryMessages = 3);
        using var _ = provider;
        var t = DateTimeOffset.UnixEpoch;
        await storage.CreateAsync(new SessionInfo { Id = "s", CreatedAt = t, UpdatedAt = t },
        [
            new SessionMessage { Message = new ChatMessage(ChatRole.User, "q"), Timestamp = t },
            new SessionMessage { Message = new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c1", "add")]), Timestamp = t },
            new SessionMessage { Message = new ChatMessage(ChatRole.Tool, [new FunctionResultContent("c1", "3")]), Timestamp = t },
            new SessionMessage { Message = new ChatMessage(ChatRole.Assistant, "3"), Timestamp = t },
        ]);
        var session = await sessions.OpenAsync("s");

        await session.SendAsync("again");

        Assert.That(client.LastRequest.Messages.Select(m => m.Role), Is.EqualTo(new[] { ChatRole.Assistant, ChatRole.User }));
    }

    [Test]
    public async Task SendAsync_StateMessages_AreNeverSentToTheModel()
    {
        var client = new ScriptedChatClient("fake-model").EnqueueText("ok");
        var (provider, sessions, _) = Create(client);
        using var _ = provider;
        var session = await sessions.Create("s").CreateAsync();
        await session.AppendStateAsync("plan", "plan.created", System.Text.Json.JsonDocument.Parse("{\"steps\":1}").RootElement);

        await session.SendAsync("hi");

        Assert.That(client.LastRequest.Messages.Select(m => m.Role.Value), Is.EqualTo(new[] { "user" }));
        Assert.That(session.MessageCount, Is.EqualTo(3), "the state event stays in the transcript");
    }

    [Test]
    public async Task SendAsync_ModelKeepsCallingTools_StopsAtLimitAsksWithoutToolsAndStoresValidHistory()
    {
        var client = new ScriptedChatClient("fake-model")
            .EnqueueFunctionCall("add", new Dictionary<string, object?> { ["a"] = 1, ["b"] = 1 }, "c1")
            .EnqueueFunctionCall("add", new Dictionary<string, object?> { ["a"] = 2, ["b"] = 2 }, "c2")
            .EnqueueFunctionCall("add", new Dictionary<string, object?> { ["a"] = 3, ["b"] = 3 }, "c3");
        var (provider, sessions, storage) = Create(client, b => b.AddTool(Add), o => o.MaxToolIterations = 2);
        using var _ = provider;
        var session = await sessions.Create("s").CreateAsync();

        await session.SendAsync("add forever");

        var stored = await storage.GetMessagesAsync("s", MessageRange.All);
        Assert.Multiple(() =>
        {
            Assert.That(client.CallCount, Is.EqualTo(3), "two tool rounds, then one call with tool mode none");
            Assert.That(client.Requests[0].Options!.ToolMode, Is.Null);
            var final = client.Requests[2].Options!;
            Assert.That(final.Tools is not { Count: > 0 } || final.ToolMode == ChatToolMode.None, Is.True, "the last call asks for an answer without tools (M.E.AI drops the tools; otherwise tool mode none)");
            Assert.That(client.Requests[1].Options!.Tools, Has.Count.EqualTo(1), "tools are offered until the limit");
            Assert.That(stored.Select(m => m.Role.Value), Is.EqualTo(new[] { "user", "assistant", "tool", "assistant", "tool", "assistant", "tool" }));
            var last = stored[^1].Message.Contents.OfType<FunctionResultContent>().Single();
            Assert.That(last.CallId, Is.EqualTo("c3"), "the ignored call still gets a result so the stored history stays valid");
            Assert.That(last.Result?.ToString(), Does.Contain("not invoked"));
            Assert.That(stored.Count(m => m.Usage is not null), Is.EqualTo(3), "one usage per model call");
        });
    }

    [Test]
    public async Task SendAsync_TwoRounds_StoresEachRoundBeforeTheNextModelCall()
    {
        var client = new ScriptedChatClient("fake-model");
        var (provider, sessions, storage) = Create(client, b => b.AddTool(Add));
        using var _ = provider;
        var seen = new List<int>();
        client.EnqueueFunctionCall("add", new Dictionary<string, object?> { ["a"] = 1, ["b"] = 2 }, "c1");
        client.Enqueue(async (_, ct) =>
        {
            seen.Add((await storage.GetMessagesAsync("s", MessageRange.All, ct)).Count);
            return new ChatResponse(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c2", "add", new Dictionary<string, object?> { ["a"] = 3, ["b"] = 4 })]));
        });
        client.Enqueue(async (_, ct) =>
        {
            seen.Add((await storage.GetMessagesAsync("s", MessageRange.All, ct)).Count);
            return new ChatResponse(new ChatMessage(ChatRole.Assistant, "done"));
        });
        var session = await sessions.Create("s").CreateAsync();

        var response = await session.SendAsync("x");

        var stored = await storage.GetMessagesAsync("s", MessageRange.All);
        Assert.That(seen, Is.EqualTo(new[] { 3, 5 }), "round n is stored before model call n+1");
        Assert.That(stored.Select(m => m.Role.Value), Is.EqualTo(new[] { "user", "assistant", "tool", "assistant", "tool", "assistant" }));
        Assert.That(stored[4].Message.Contents.OfType<FunctionResultContent>().Single().Result?.ToString(), Is.EqualTo("7"));
        Assert.That(response.Text, Is.EqualTo("done"));
    }

    [Test]
    public async Task StreamAsync_TwoConcurrentStreams_EachReplyFollowsItsOwnPrompt()
    {
        var client = new ScriptedChatClient("fake-model");
        client.GetStreamingResponseAsyncCallback = (messages, _, ct) => Echo(messages[^1].Text, ct);
        var (provider, sessions, storage) = Create(client);
        using var _ = provider;
        var session = await sessions.Create("s").CreateAsync();

        var first = Consume(session.StreamAsync("one"));
        var second = Consume(session.StreamAsync("two"));
        await Task.WhenAll(first, second);

        var stored = await storage.GetMessagesAsync("s", MessageRange.All);
        Assert.That(stored, Has.Count.EqualTo(4));
        for (int i = 0; i < 4; i += 2)
        {
            Assert.That(stored[i + 1].Text, Is.EqualTo("echo " + stored[i].Text), "a reply is stored right after its own prompt");
        }

        Assert.That(await first, Is.EqualTo("echo one"));
        Assert.That(await second, Is.EqualTo("echo two"));
    }

    [Test]
    public async Task SendAsync_ConcurrentSends_TurnsDoNotInterleave()
    {
        var client = new ScriptedChatClient("fake-model");
        client.GetResponseAsyncCallback = async (messages, _, ct) =>
        {
            await Task.Delay(5, ct);
            return new ChatResponse(new ChatMessage(ChatRole.Assistant, "echo " + messages[^1].Text));
        };
        var (provider, sessions, storage) = Create(client);
        using var _ = provider;
        var session = await sessions.Create("s").CreateAsync();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => session.SendAsync("p" + i)));

        var stored = await storage.GetMessagesAsync("s", MessageRange.All);
        Assert.That(stored, Has.Count.EqualTo(16));
        for (int i = 0; i < 16; i += 2)
        {
            Assert.That(stored[i + 1].Text, Is.EqualTo("echo " + stored[i].Text));
        }
    }

    [TestCase("")]
    [TestCase("   ")]
    [TestCase("\n\t")]
    public async Task SendAndStream_EmptyPrompt_ThrowArgumentExceptionAndStoreNothing(string text)
    {
        var client = new ScriptedChatClient("fake-model");
        var (provider, sessions, storage) = Create(client);
        using var _ = provider;
        var session = await sessions.Create("s").CreateAsync();

        var send = await Assert.ThrowsAsync<ArgumentException>(() => session.SendAsync(text));
        var sendMessage = await Assert.ThrowsAsync<ArgumentException>(() => session.SendAsync(new ChatMessage(ChatRole.User, text)));
        var stream = Assert.Throws<ArgumentException>(() => session.StreamAsync(text));
        var streamMessage = Assert.Throws<ArgumentException>(() => session.StreamAsync(new ChatMessage(ChatRole.User, [])));

        Assert.That(send!.ParamName, Is.EqualTo("text"));
        Assert.That(sendMessage!.ParamName, Is.EqualTo("message"));
        Assert.That(stream!.ParamName, Is.EqualTo("text"));
        Assert.That(streamMessage!.ParamName, Is.EqualTo("message"));
        Assert.That(await storage.GetMessagesAsync("s", MessageRange.All), Is.Empty);
        Assert.That(client.CallCount, Is.Zero);
    }

    [Test]
    public async Task SendAsync_ImageOnlyPrompt_IsAccepted()
    {
        var client = new ScriptedChatClient("fake-model").EnqueueText("a cat");
        var (provider, sessions, _) = Create(client);
        using var _ = provider;
        var session = await sessions.Create("s").CreateAsync();

        var response = await session.SendAsync(new ChatMessage(ChatRole.User, [new DataContent(new byte[] { 1, 2, 3 }, "image/png")]));

        Assert.That(response.Text, Is.EqualTo("a cat"));
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> Echo(string text, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var piece in new[] { "echo", " ", text })
        {
            await Task.Delay(2, cancellationToken);
            yield return new ChatResponseUpdate(ChatRole.Assistant, piece) { MessageId = "m" };
        }
    }

    private static async Task<string> Consume(IAsyncEnumerable<ChatResponseUpdate> updates)
    {
        var text = string.Empty;
        await foreach (var update in updates)
        {
            text += update.Text;
        }

        return text;
    }
}

using Microsoft.Extensions.AI;

namespace Sessions.Sdk.Tests;

public sealed class ChatContextPolicyTests
{
    private static ChatMessage User(string text) => new(ChatRole.User, text);

    private static ChatMessage Assistant(string text) => new(ChatRole.Assistant, text);

    private static ChatMessage Pinned(ChatMessage message) =>
        new SessionMessage { Message = message, Timestamp = DateTimeOffset.UnixEpoch, Pinned = true }.ToChatMessage();

    private static ChatMessage Call(string id) => new(ChatRole.Assistant, [new FunctionCallContent(id, "f")]);

    private static ChatMessage Result(string id) => new(ChatRole.Tool, [new FunctionResultContent(id, "r")]);

    private static async Task<List<ChatMessage>> ReduceAsync(ChatContextPolicy policy, IEnumerable<ChatMessage> messages, ChatModelInfo? model = null, IChatClient? client = null)
    {
        var reducer = policy.CreateReducer(new ChatContextPolicyContext(client ?? new PipelineTestChatClient(), model, null, null));
        return reducer is null ? [.. messages] : [.. await reducer.ReduceAsync(messages, CancellationToken.None)];
    }

    [Test]
    public async Task TokenBudget_LongHistory_KeepsSystemPinnedAndMostRecent()
    {
        var system = new ChatMessage(ChatRole.System, "be brief");
        var pinned = Pinned(User("my name is Ada"));
        var messages = new List<ChatMessage> { system, pinned, Assistant("hi Ada") };
        for (int i = 0; i < 10; i++) messages.Add(User("q" + i));

        // One token per message: the system prompt and the pinned message use 2 of the 5, leaving room for the last 3.
        var reduced = await ReduceAsync(ChatContextPolicy.TokenBudget(5, _ => 1), messages);

        Assert.That(reduced.Select(m => m.Text), Is.EqualTo(new[] { "be brief", "my name is Ada", "q7", "q8", "q9" }));
    }

    [Test]
    public async Task TokenBudget_CutInsideToolRound_NeverSeparatesCallFromResults()
    {
        var messages = new List<ChatMessage> { User("a"), Call("c1"), Result("c1"), Assistant("done"), User("b") };

        var reduced = await ReduceAsync(ChatContextPolicy.TokenBudget(3, _ => 1), messages);

        // The round (call + result) does not fit with the last two, so it goes whole; it is never split.
        Assert.That(reduced.Select(m => m.Text), Is.EqualTo(new[] { "done", "b" }));
        var withRound = await ReduceAsync(ChatContextPolicy.TokenBudget(4, _ => 1), messages);
        Assert.That(withRound, Has.Count.EqualTo(4));
        Assert.That(withRound[0].Contents.OfType<FunctionCallContent>(), Is.Not.Empty);
        Assert.That(withRound[1].Role, Is.EqualTo(ChatRole.Tool));
    }

    [Test]
    public async Task TokenBudget_WindowStartsWithOrphanedToolResult_DropsIt()
    {
        var messages = new List<ChatMessage> { Result("c0"), Assistant("done"), User("next") };

        var reduced = await ReduceAsync(ChatContextPolicy.TokenBudget(10, _ => 1), messages);

        Assert.That(reduced.Select(m => m.Role), Is.EqualTo(new[] { ChatRole.Assistant, ChatRole.User }));
    }

    [Test]
    public async Task TokenBudget_EverythingFits_SendsEveryMessageInPlace()
    {
        var system = new ChatMessage(ChatRole.System, "rules");
        var messages = new List<ChatMessage> { system, User("q"), Call("c1"), Result("c1"), Pinned(Assistant("a")), User("next") };

        var reduced = await ReduceAsync(ChatContextPolicy.TokenBudget(6, _ => 1), messages);

        Assert.That(reduced, Is.EqualTo(messages).Using<ChatMessage>(ReferenceEquals));
    }

    [Test]
    public async Task TokenBudget_OneTokenOverBudget_DropsTheOldestUnit()
    {
        var messages = new List<ChatMessage> { new(ChatRole.System, "rules"), User("q"), Call("c1"), Result("c1"), Assistant("a"), User("next") };

        var reduced = await ReduceAsync(ChatContextPolicy.TokenBudget(5, _ => 1), messages);

        Assert.That(reduced.Select(m => m.Text is { Length: > 0 } text ? text : m.Role.Value), Is.EqualTo(new[] { "rules", "assistant", "tool", "a", "next" }));
    }

    [Test]
    public async Task TokenBudget_SystemMessageAfterTheConversationFits_IsStillSentFirst()
    {
        var messages = new List<ChatMessage> { User("q"), new(ChatRole.System, "late rules"), Assistant("a") };

        var reduced = await ReduceAsync(ChatContextPolicy.TokenBudget(100, _ => 1), messages);

        Assert.That(reduced.Select(m => m.Text), Is.EqualTo(new[] { "late rules", "q", "a" }));
    }

    [Test]
    public async Task TokenBudget_CounterSaysZero_EachUnitStillCostsOneToken()
    {
        var messages = new List<ChatMessage> { User("a"), Assistant("b"), User("c") };

        var reduced = await ReduceAsync(ChatContextPolicy.TokenBudget(2, _ => 0), messages);

        Assert.That(reduced.Select(m => m.Text), Is.EqualTo(new[] { "b", "c" }));
    }

    [Test]
    public async Task TokenBudget_Explicit_KeepsRecentMessagesWithinBudget()
    {
        var messages = new List<ChatMessage>();
        for (int i = 0; i < 20; i++) messages.Add(User(new string('x', 396) + i.ToString("D4"))); // ~104 tokens each

        var reduced = await ReduceAsync(ChatContextPolicy.TokenBudget(350), messages);

        Assert.That(reduced, Has.Count.EqualTo(3));
        Assert.That(reduced[^1].Text, Does.EndWith("0019"));
    }

    [Test]
    public async Task TokenBudget_FromCatalog_UsesContextWindowMinusOutputTokens()
    {
        var model = new ChatModelInfo { ProviderName = "p", ModelId = "m", ContextWindow = 1_000, MaxOutputTokens = 500 };
        var messages = new List<ChatMessage>();
        for (int i = 0; i < 20; i++) messages.Add(User(new string('x', 400)));

        var reduced = await ReduceAsync(ChatContextPolicy.TokenBudget(), messages, model);
        var unknown = await ReduceAsync(ChatContextPolicy.TokenBudget(), messages, model: null);

        Assert.That(reduced, Has.Count.EqualTo(4), "500 tokens / 104 per message");
        Assert.That(unknown, Has.Count.EqualTo(20), "no catalog entry: nothing to budget against");
    }

    [Test]
    public async Task TokenBudget_LastMessageAloneTooBig_StillSendsIt()
    {
        var reduced = await ReduceAsync(ChatContextPolicy.TokenBudget(10), [User("old"), User(new string('y', 4000))]);

        Assert.That(reduced, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Summarize_PastTrigger_ReplacesOlderMessagesWithModelSummary()
    {
        var summarizer = PipelineTestChatClient.Scripted(PipelineTestChatClient.Text("Ada likes tea."));
        var messages = new List<ChatMessage> { new(ChatRole.System, "sys") };
        for (int i = 0; i < 10; i++) messages.Add(i % 2 == 0 ? User("u" + i) : Assistant("a" + i));

        var reduced = await ReduceAsync(ChatContextPolicy.Summarize(triggerCount: 6, keepCount: 2), messages, client: summarizer);

        Assert.That(reduced.Select(m => m.Text), Is.EqualTo(new[] { "sys", "Summary of the earlier conversation: Ada likes tea.", "u8", "a9" }));
        Assert.That(summarizer.Requests.Single().Messages[1].Text, Does.Contain("user: u0").And.Contain("assistant: a7"));
    }

    [Test]
    public async Task Summarize_BelowTrigger_SendsUnchangedWithoutModelCall()
    {
        var summarizer = new PipelineTestChatClient();

        var reduced = await ReduceAsync(ChatContextPolicy.Summarize(triggerCount: 6, keepCount: 2), [User("a"), Assistant("b")], client: summarizer);

        Assert.That(reduced, Has.Count.EqualTo(2));
        Assert.That(summarizer.Calls, Is.Zero);
    }

    [Test]
    public async Task Summarize_ModelFails_SendsRecentMessagesUnsummarized()
    {
        var summarizer = new PipelineTestChatClient { OnGetResponse = (_, _, _) => throw new HttpRequestException("down") };
        var messages = Enumerable.Range(0, 8).Select(i => User("u" + i)).ToList();

        var reduced = await ReduceAsync(ChatContextPolicy.Summarize(triggerCount: 4, keepCount: 2), messages, client: summarizer);

        Assert.That(reduced.Select(m => m.Text), Is.EqualTo(new[] { "u6", "u7" }));
    }

    [Test]
    public void TokenBudget_ZeroBudget_ThrowsWithParamName()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => ChatContextPolicy.TokenBudget(0));

        Assert.That(ex!.ParamName, Is.EqualTo("maxInputTokens"));
    }

    [Test]
    public void ToChatMessage_Pinned_MarksCloneAndLeavesStoredMessageUntouched()
    {
        var stored = new ChatMessage(ChatRole.User, "keep me");
        var message = new SessionMessage { Message = stored, Timestamp = DateTimeOffset.UnixEpoch, Pinned = true };

        var sent = message.ToChatMessage();

        Assert.That(sent.IsPinned(), Is.True);
        Assert.That(stored.IsPinned(), Is.False);
        Assert.That(stored.AdditionalProperties, Is.Null);
        Assert.That(new SessionMessage { Message = stored, Timestamp = DateTimeOffset.UnixEpoch }.ToChatMessage(), Is.SameAs(stored));
    }
}

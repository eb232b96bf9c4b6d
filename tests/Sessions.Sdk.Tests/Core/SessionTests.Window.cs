using Microsoft.Extensions.AI;

namespace Sessions.Sdk.Tests;

// The writer keeps the newest messages it stored, so a turn builds its context without reading storage; these tests pin down
// that the cached window always matches what storage holds.
public sealed partial class SessionTests
{
    private IReadOnlyList<string?> LastContextTexts => [.. Client.Calls[^1].Messages.Select(m => m.Text)];

    [Test]
    public async Task SendAsync_AnotherWriterAppendedBetweenTurns_NextContextHasTheirMessages()
    {
        var s = await Sessions.Create("s").CreateAsync();
        await s.SendAsync("one");
        var other = await Sessions.OpenAsync("s");

        await other.AddMessageAsync(User("from the other writer"));
        await s.SendAsync("two");

        Assert.That(LastContextTexts, Is.EqualTo(new[] { "one", "echo: one", "from the other writer", "two" }));
        Assert.That(Storage.Snapshot("s").Select(m => m.Text), Is.EqualTo(new[] { "one", "echo: one", "from the other writer", "two", "echo: two" }));
    }

    [Test]
    public async Task SendAsync_AnotherWriterReplacedTheMessages_NextContextIsReadAgain()
    {
        var s = await Sessions.Create("s").CreateAsync();
        await s.SendAsync("one");
        await s.SendAsync("two");
        var other = await Sessions.OpenAsync("s");

        await other.ClearAsync();
        await other.AddMessageAsync(User("fresh start"));
        await s.SendAsync("three");

        Assert.That(LastContextTexts, Is.EqualTo(new[] { "fresh start", "three" }));
        Assert.That(Storage.Snapshot("s").Select(m => m.Text), Is.EqualTo(new[] { "fresh start", "three", "echo: three" }));
    }

    [Test]
    public async Task SendAsync_AnotherWriterTruncatedAndAppendedBackToTheSameCount_NextContextIsReadAgain()
    {
        var s = await Sessions.Create("s").CreateAsync();
        await s.SendAsync("one");
        await s.SendAsync("two");
        var other = await Sessions.OpenAsync("s");

        // Four messages again afterwards, so the next append's sequence (5) follows on as if nothing had happened.
        await other.TruncateAsync(2);
        await other.AddMessagesAsync([User("x"), User("y")]);
        await s.SendAsync("three");

        Assert.That(LastContextTexts, Is.EqualTo(new[] { "two", "echo: two", "x", "y", "three" }));
    }

    [Test]
    public async Task SendAsync_ManyTurns_ContextIsTheNewestWindowOfStorage()
    {
        var s = await Sessions.Create("s").CreateAsync();
        s.MaxHistoryMessages = 3;

        for (int i = 1; i <= 5; i++)
        {
            await s.SendAsync($"m{i}");
            var stored = Storage.Snapshot("s");

            // The reply is not stored yet when the model is called: the context is the newest three before it.
            Assert.That(LastContextTexts, Is.EqualTo(stored.Take(stored.Count - 1).TakeLast(3).Select(m => m.Text)), $"turn {i}");
        }

        Assert.That(LastContextTexts, Is.EqualTo(new[] { "m4", "echo: m4", "m5" }));
    }

    [Test]
    public async Task SendAsync_WindowWidenedAfterTurns_ContextHasTheWholeWiderWindow()
    {
        var s = await Sessions.Create("s").CreateAsync();
        s.MaxHistoryMessages = 2;
        await s.SendAsync("one");
        await s.SendAsync("two");

        s.MaxHistoryMessages = 10;
        await s.SendAsync("three");

        Assert.That(LastContextTexts, Is.EqualTo(new[] { "one", "echo: one", "two", "echo: two", "three" }));
    }

    [Test]
    public async Task SendAsync_CallerChangesItsMessageAfterwards_LaterContextsKeepWhatWasStored()
    {
        var s = await Sessions.Create("s").CreateAsync();
        var prompt = User("original");
        var response = await s.SendAsync(prompt);

        prompt.Contents.Add(new TextContent(" changed by the caller"));
        response.Messages[^1].Contents.Clear();
        await s.SendAsync("next");

        Assert.That(LastContextTexts, Is.EqualTo(new[] { "original", "echo: original", "next" }));
    }

    [Test]
    public async Task SendAsync_ReplyAppendFailed_NextContextHasNoReplyAndTheCallStoredNoReply()
    {
        var s = await Sessions.Create("s").CreateAsync();
        await s.SendAsync("one");
        Storage.BeforeAppend = (_, messages) => messages[0].Role == ChatRole.Assistant ? throw new SessionStorageException("disk full") : Task.CompletedTask;

        await Assert.ThrowsAsync<SessionStorageException>(() => s.SendAsync("two"));
        Storage.BeforeAppend = null;
        await s.SendAsync("three");

        Assert.That(LastContextTexts, Is.EqualTo(new[] { "one", "echo: one", "two", "three" }));
        Assert.That(Storage.Snapshot("s").Select(m => m.Text), Is.EqualTo(new[] { "one", "echo: one", "two", "three", "echo: three" }));
    }

    [Test]
    public async Task SendAsync_AfterTruncateOnTheSameObject_ContextIsTheKeptMessages()
    {
        var s = await Sessions.Create("s").CreateAsync();
        await s.SendAsync("one");
        await s.SendAsync("two");

        await s.TruncateAsync(1);
        await s.SendAsync("three");

        Assert.That(LastContextTexts, Is.EqualTo(new[] { "echo: two", "three" }));
    }

    [Test]
    public async Task SendAsync_AutosaveOff_ContextIncludesBufferedMessagesAndMatchesAfterSave()
    {
        var s = await Sessions.Create("s").CreateAsync();
        await s.SendAsync("one");
        s.Autosave = false;
        await s.AddMessageAsync(User("buffered"));

        await s.SendAsync("two");
        Assert.That(LastContextTexts, Is.EqualTo(new[] { "one", "echo: one", "buffered", "two" }));

        await s.SaveAsync();
        s.Autosave = true;
        await s.SendAsync("three");
        Assert.That(LastContextTexts, Is.EqualTo(new[] { "one", "echo: one", "buffered", "two", "echo: two", "three" }));
    }

    [Test]
    public async Task SendAsync_SecondTurnOnACachedWindow_ReadsNoMessagesFromStorage()
    {
        var s = await Sessions.Create("s").CreateAsync();
        await s.SendAsync("one");
        Storage.ResetCounters();

        await s.SendAsync("two");

        Assert.That(Storage.MessagesRead, Is.Zero);
        Assert.That(LastContextTexts, Is.EqualTo(new[] { "one", "echo: one", "two" }));
    }
}

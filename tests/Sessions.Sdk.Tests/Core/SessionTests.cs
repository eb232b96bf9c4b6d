using System.Collections.Concurrent;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk.Tests;

[TestFixture(CoreStoreKind.Memory)]
[TestFixture(CoreStoreKind.File)]
public sealed partial class SessionTests(CoreStoreKind store)
{
    private CoreTestHost _host = null!;

    private ISessionManager Sessions => _host.Sessions;

    private CoreTestStorage Storage => _host.Storage;

    [SetUp]
    public void SetUp() => _host = new CoreTestHost(store: store);

    [TearDown]
    public void TearDown() => _host.Dispose();

    private static ChatMessage User(string text) => new(ChatRole.User, text);

    [Test]
    public async Task AddMessageAsync_Autosave_PersistsBeforeReturning()
    {
        var s = await Sessions.Create("s").CreateAsync();

        var stored = await s.AddMessageAsync(User("one"));

        Assert.That(stored.Sequence, Is.EqualTo(1));
        Assert.That(Storage.Snapshot("s").Select(m => m.Text), Is.EqualTo(new[] { "one" }));
        Assert.That(s.MessageCount, Is.EqualTo(1));
        Assert.That(s.HasUnsavedChanges, Is.False);
    }

    [Test]
    public async Task AddMessagesAsync_AutosaveOff_BuffersUntilSaveAsync()
    {
        var s = await Sessions.Create("s").WithAutosave(false).CreateAsync();

        var added = await s.AddMessagesAsync([User("one"), User("two")]);
        await s.RenameAsync("renamed");

        Assert.That(added.Select(m => m.Sequence), Is.EqualTo(new long[] { 1, 2 }));
        Assert.That(Storage.Snapshot("s"), Is.Empty);
        Assert.That((await Sessions.GetInfoAsync("s"))!.Title, Is.Empty);
        Assert.That(s.HasUnsavedChanges, Is.True);
        Assert.That(s.MessageCount, Is.EqualTo(2));
        Assert.That(s.Title, Is.EqualTo("renamed"));
        Assert.That((await s.GetMessagesAsync()).Select(m => m.Text), Is.EqualTo(new[] { "one", "two" }));

        await s.SaveAsync();

        Assert.That(Storage.Snapshot("s").Select(m => m.Text), Is.EqualTo(new[] { "one", "two" }));
        Assert.That((await Sessions.GetInfoAsync("s"))!.Title, Is.EqualTo("renamed"));
        Assert.That(s.HasUnsavedChanges, Is.False);
        Assert.That(s.MessageCount, Is.EqualTo(2));
    }

    [Test]
    public async Task SaveAsync_StorageFails_KeepsChangesBufferedForRetry()
    {
        var s = await Sessions.Create("s").WithAutosave(false).CreateAsync();
        await s.AddMessageAsync(User("one"));
        Storage.BeforeAppend = (_, _) => throw new SessionStorageException("disk full");

        await Assert.ThrowsAsync<SessionStorageException>(() => s.SaveAsync());
        Assert.That(s.HasUnsavedChanges, Is.True);

        Storage.BeforeAppend = null;
        await s.SaveAsync();
        Assert.That(Storage.Snapshot("s").Select(m => m.Text), Is.EqualTo(new[] { "one" }));
    }

    [Test]
    public async Task Autosave_TurnedBackOn_NextChangeSavesBufferedMessagesFirst()
    {
        var s = await Sessions.Create("s").WithAutosave(false).CreateAsync();
        await s.AddMessageAsync(User("buffered"));

        s.Autosave = true;
        await s.AddMessageAsync(User("direct"));

        Assert.That(Storage.Snapshot("s").Select(m => m.Text), Is.EqualTo(new[] { "buffered", "direct" }));
    }

    [Test]
    public async Task GetMessagesAsync_LastN_ReadsOnlyTheWindow()
    {
        var s = await Sessions.Create("s").WithMessages(Enumerable.Range(1, 1000).Select(i => User($"m{i}"))).CreateAsync();
        Storage.ResetCounters();

        var tail = await s.GetMessagesAsync(last: 20);

        Assert.That(tail.Select(m => m.Sequence), Is.EqualTo(Enumerable.Range(981, 20).Select(i => (long)i)));
        Assert.That(Storage.MessagesRead, Is.EqualTo(20));
    }

    [Test]
    public async Task GetMessagesAsync_SkipTake_ReturnsSlice()
    {
        var s = await Sessions.Create("s").WithMessages(Enumerable.Range(1, 10).Select(i => User($"m{i}"))).CreateAsync();

        var slice = await s.GetMessagesAsync(skip: 2, take: 3);

        Assert.That(slice.Select(m => m.Text), Is.EqualTo(new[] { "m3", "m4", "m5" }));
    }

    [Test]
    public async Task GetMessagesAsync_LastWithTake_ThrowsArgumentException()
    {
        var s = await Sessions.Create("s").CreateAsync();

        var ex = Assert.Throws<ArgumentException>(() => _ = s.GetMessagesAsync(last: 2, take: 3));
        Assert.That(ex!.ParamName, Is.EqualTo("last"));
    }

    [Test]
    public async Task GetMessagesAsync_AutosaveOffRangeSpanningStoredAndBuffered_ReturnsBothInOrder()
    {
        var s = await Sessions.Create("s").WithMessages(Enumerable.Range(1, 5).Select(i => User($"m{i}"))).WithAutosave(false).CreateAsync();
        await s.AddMessagesAsync([User("m6"), User("m7")]);
        Storage.ResetCounters();

        var tail = await s.GetMessagesAsync(last: 4);

        Assert.That(tail.Select(m => m.Text), Is.EqualTo(new[] { "m4", "m5", "m6", "m7" }));
        Assert.That(Storage.MessagesRead, Is.EqualTo(2));
    }

    [Test]
    public async Task AddMessageAsync_SixteenConcurrentWriters_NoneLostOrDuplicatedAndOrderKept()
    {
        const int Writers = 16, PerWriter = 50;
        var s = await Sessions.Create("s").CreateAsync();
        Storage.BeforeAppend = async (_, _) => await Task.Yield();

        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (int i = 0; i < PerWriter; i++)
            {
                await s.AddMessageAsync(User($"{w}:{i}"));
            }
        })));

        var all = await (await Sessions.OpenAsync("s")).GetMessagesAsync();
        var texts = all.Select(m => m.Text).ToList();
        TestContext.Out.WriteLine($"{texts.Count} messages from {Writers} writers, {texts.Distinct().Count()} distinct");
        Assert.That(texts, Has.Count.EqualTo(Writers * PerWriter));
        Assert.That(texts, Is.Unique);
        Assert.That(all.Select(m => m.Sequence), Is.EqualTo(Enumerable.Range(1, Writers * PerWriter).Select(i => (long)i)));
        for (int w = 0; w < Writers; w++)
        {
            var mine = texts.Where(t => t.StartsWith($"{w}:", StringComparison.Ordinal)).Select(t => int.Parse(t[(t.IndexOf(':') + 1)..]));
            Assert.That(mine, Is.Ordered.Ascending, $"writer {w}");
        }

        Assert.That(s.MessageCount, Is.EqualTo(Writers * PerWriter));
    }

    [Test]
    public async Task MetadataChanges_ConcurrentOnOneObject_AllAppliedWithoutConflict()
    {
        var s = await Sessions.Create("s").CreateAsync();

        await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
        {
            await s.AddTagsAsync([$"t{i}"]);
            await s.SetMetadataAsync($"k{i}", $"v{i}");
            await s.AddMessageAsync(User($"m{i}"));
        })));

        var info = await Sessions.GetInfoAsync("s");
        Assert.That(info!.Tags, Is.EquivalentTo(Enumerable.Range(0, 16).Select(i => $"t{i}")));
        Assert.That(info.Metadata, Has.Count.EqualTo(16));
        Assert.That(info.Version, Is.EqualTo(33 + 16), "32 metadata edits and 16 appended messages after version 1");
        Assert.That(info.MessageCount, Is.EqualTo(16));
    }

    [Test]
    public async Task RenameAsync_StaleSessionObject_ThrowsSessionConcurrencyException()
    {
        await Sessions.Create("s").CreateAsync();
        var first = await Sessions.OpenAsync("s");
        var second = await Sessions.OpenAsync("s");

        await first.RenameAsync("first wins");
        var ex = await Assert.ThrowsAsync<SessionConcurrencyException>(() => second.SetMetadataAsync("k", "v"));

        Assert.That(ex!.ExpectedVersion, Is.EqualTo(1));
        Assert.That(ex.ActualVersion, Is.EqualTo(2));
        Assert.That((await Sessions.GetInfoAsync("s"))!.Title, Is.EqualTo("first wins"));

        await second.RefreshAsync();
        await second.SetMetadataAsync("k", "v");
        var info = await Sessions.GetInfoAsync("s");
        Assert.That(info!.Title, Is.EqualTo("first wins"));
        Assert.That(info.Metadata["k"], Is.EqualTo("v"));
    }

    [Test]
    public async Task SaveAsync_AutosaveOffStaleMetadata_ThrowsSessionConcurrencyException()
    {
        await Sessions.Create("s").CreateAsync();
        var offline = await Sessions.OpenAsync("s");
        offline.Autosave = false;
        var online = await Sessions.OpenAsync("s");

        await offline.RenameAsync("offline");
        await online.RenameAsync("online");

        await Assert.ThrowsAsync<SessionConcurrencyException>(() => offline.SaveAsync());
        Assert.That((await Sessions.GetInfoAsync("s"))!.Title, Is.EqualTo("online"));
    }

    [Test]
    public async Task AddMessageAsync_TwoSessionObjects_AppendsMergeWithoutConflict()
    {
        await Sessions.Create("s").CreateAsync();
        var a = await Sessions.OpenAsync("s");
        var b = await Sessions.OpenAsync("s");

        await a.AddMessageAsync(User("from a"));
        await b.AddMessageAsync(User("from b"));
        await b.RenameAsync("still fine");

        Assert.That(Storage.Snapshot("s").Select(m => m.Text), Is.EqualTo(new[] { "from a", "from b" }));
    }

    [Test]
    public async Task MetadataChanges_Autosave_PersistEachChange()
    {
        var s = await Sessions.Create("s").WithTags("a").CreateAsync();

        await s.RenameAsync("title");
        await s.AddTagsAsync(["b", "A", "c"]);
        await s.RemoveTagsAsync(["C"]);
        await s.SetMetadataAsync("k1", "v1");
        await s.SetMetadataAsync("k2", "v2");
        await s.RemoveMetadataAsync("k1");
        await s.SetSystemPromptAsync("sys");
        await s.SetProviderAsync("other", "model-x");

        var info = await Sessions.GetInfoAsync("s");
        Assert.That(info!.Title, Is.EqualTo("title"));
        Assert.That(info.Tags, Is.EqualTo(new[] { "a", "b" }));
        Assert.That(info.Metadata, Is.EquivalentTo(new Dictionary<string, string> { ["k2"] = "v2" }));
        Assert.That(info.SystemPrompt, Is.EqualTo("sys"));
        Assert.That(info.ProviderName, Is.EqualTo("other"));
        Assert.That(info.ModelId, Is.EqualTo("model-x"));
        Assert.That(info.Version, Is.EqualTo(9));
        Assert.That((s.Info.Version, s.Title, s.SystemPrompt, s.ProviderName, s.ModelId), Is.EqualTo((info.Version, info.Title, info.SystemPrompt, info.ProviderName, info.ModelId)));
        Assert.That(s.Tags, Is.EqualTo(info.Tags));
        Assert.That(s.Metadata, Is.EquivalentTo(info.Metadata));
    }

    [Test]
    public async Task TruncateAsync_KeepLast_KeepsNewestAndUsage()
    {
        var s = await Sessions.Create("s").CreateAsync();
        await s.AddMessagesAsync(Enumerable.Range(1, 10).Select(i => User($"m{i}")));
        await Storage.AppendMessagesAsync("s", [new SessionMessage { Message = User("paid"), Timestamp = _host.Time.GetUtcNow(), Usage = new SessionUsage { InputTokens = 5, Requests = 1 } }]);
        await s.RefreshAsync();

        await s.TruncateAsync(3);

        Assert.That((await s.GetMessagesAsync()).Select(m => (m.Sequence, m.Text)), Is.EqualTo(new[] { (1L, "m9"), (2L, "m10"), (3L, "paid") }));
        Assert.That(s.MessageCount, Is.EqualTo(3));
        Assert.That(s.Usage.InputTokens, Is.EqualTo(5));
    }

    [Test]
    public async Task ClearAsync_AutosaveOff_SavesBufferedThenClears()
    {
        var s = await Sessions.Create("s").WithAutosave(false).CreateAsync();
        await s.AddMessageAsync(User("m"));
        await s.RenameAsync("t");

        await s.ClearAsync();

        Assert.That(Storage.Snapshot("s"), Is.Empty);
        Assert.That(s.MessageCount, Is.Zero);
        Assert.That((await Sessions.GetInfoAsync("s"))!.Title, Is.EqualTo("t"));
        Assert.That(s.HasUnsavedChanges, Is.False);
    }

    [Test]
    public async Task RefreshAsync_OtherWriterAppended_SeesNewCount()
    {
        var s = await Sessions.Create("s").CreateAsync();
        var other = await Sessions.OpenAsync("s");
        await other.AddMessageAsync(User("x"));

        Assert.That(s.MessageCount, Is.Zero);
        await s.RefreshAsync();
        Assert.That(s.MessageCount, Is.EqualTo(1));
    }

    [Test]
    public async Task RefreshAsync_Deleted_ThrowsSessionNotFound()
    {
        var s = await Sessions.Create("s").CreateAsync();
        await Sessions.DeleteAsync("s");

        await Assert.ThrowsAsync<SessionNotFoundException>(() => s.RefreshAsync());
    }

    [TestCase(0)]
    [TestCase(3)]
    [TestCase(10)]
    public async Task BranchAsync_AtMessageK_CopiesExactlyKMessages(int k)
    {
        var s = await Sessions.Create("src").WithTitle("t").WithTags("x").WithMetadata("m", "1").WithSystemPrompt("sys").WithProvider("fake", "model").CreateAsync();
        await s.AddMessagesAsync(Enumerable.Range(1, 10).Select(i => User($"m{i}")));

        var branch = await s.BranchAsync("src-alt", atMessage: k);

        var copied = await branch.GetMessagesAsync();
        Assert.That(copied.Select(m => m.Text), Is.EqualTo(Enumerable.Range(1, k).Select(i => $"m{i}")));
        Assert.That(branch.Info.ParentSessionId, Is.EqualTo("src"));
        Assert.That(branch.Info.BranchedAtSequence, Is.EqualTo(k));
        Assert.That(branch.Title, Is.EqualTo("t"));
        Assert.That(branch.Tags, Is.EqualTo(new[] { "x" }));
        Assert.That(branch.Metadata["m"], Is.EqualTo("1"));
        Assert.That(branch.SystemPrompt, Is.EqualTo("sys"));
        Assert.That(branch.ProviderName, Is.EqualTo("fake"));
        Assert.That(branch.ModelId, Is.EqualTo("model"));
    }

    [Test]
    public async Task BranchAsync_ThenChangeEither_TheOtherIsUnaffected()
    {
        var s = await Sessions.Create("src").CreateAsync();
        await s.AddMessagesAsync([User("a"), User("b"), User("c")]);
        var branch = await s.BranchAsync("alt", atMessage: 2);

        await branch.AddMessageAsync(User("branch only"));
        await branch.RenameAsync("branch title");
        await s.AddMessageAsync(User("source only"));

        Assert.That(Storage.Snapshot("src").Select(m => m.Text), Is.EqualTo(new[] { "a", "b", "c", "source only" }));
        Assert.That(Storage.Snapshot("alt").Select(m => m.Text), Is.EqualTo(new[] { "a", "b", "branch only" }));
        Assert.That(s.Title, Is.Empty);
    }

    [Test]
    public async Task BranchAsync_WithoutArguments_CopiesAllUnderGeneratedId()
    {
        var s = await Sessions.Create("src").CreateAsync();
        await s.AddMessagesAsync([User("a"), User("b")]);

        var branch = await s.BranchAsync();

        Assert.That(SessionIds.IsValid(branch.Id), Is.True);
        Assert.That(branch.MessageCount, Is.EqualTo(2));
        Assert.That(branch.Info.BranchedAtSequence, Is.EqualTo(2));
    }

    [Test]
    public async Task BranchAsync_BeyondLastMessage_ThrowsArgumentOutOfRange()
    {
        var s = await Sessions.Create("src").CreateAsync();
        await s.AddMessageAsync(User("a"));

        var ex = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => s.BranchAsync("alt", atMessage: 2));

        Assert.That(ex!.ParamName, Is.EqualTo("atMessage"));
        Assert.That(await Sessions.ExistsAsync("alt"), Is.False);
    }

    [Test]
    public async Task BranchAsync_HostileId_ThrowsArgumentExceptionNamingParameter()
    {
        var s = await Sessions.Create("src").CreateAsync();

        var ex = await Assert.CatchAsync<ArgumentException>(() => s.BranchAsync("../escape"));

        Assert.That(ex!.ParamName, Is.EqualTo("newSessionId"));
    }

    [Test]
    public async Task BranchAsync_ExistingId_ThrowsSessionAlreadyExists()
    {
        var s = await Sessions.Create("src").CreateAsync();
        await Sessions.Create("taken").CreateAsync();

        await Assert.ThrowsAsync<SessionAlreadyExistsException>(() => s.BranchAsync("taken"));
    }
}

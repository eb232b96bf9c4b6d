using System.Text;

namespace Sessions.Sdk.Tests;

/// <summary>All-or-nothing batches, backups in the session, rollback (also after a restart), conflicts and rewind.</summary>
public sealed class EditTransactionTests
{
    private EditTestHost _host = null!;

    [SetUp]
    public void SetUp()
    {
        _host = new EditTestHost(fileStore: true);
        for (int i = 0; i < 5; i++)
        {
            _host.Write($"f{i}.txt", $"file {i}\nvalue = {i}\n");
        }
    }

    [TearDown]
    public void TearDown() => _host.Dispose();

    private static EditBatch FiveFileBatch(string name = "five") =>
        new(name, Enumerable.Range(0, 5).Select(i => EditOperation.Replace($"f{i}.txt", $"value = {i}", $"value = {i + 100}")));

    [TestCase(1)]
    [TestCase(3)]
    [TestCase(5)]
    public async Task ApplyBatchAsync_DiskFailsOnTheNthWrite_LeavesEveryFileAsItWas(int failOn)
    {
        var before = _host.Snapshot();
        var files = new FailingEditFileSystem(failOn);
        var editor = await _host.EditsWith(files).CreateAsync(_host.Workspace);
        var ex = await Assert.ThrowsAsync<IOException>(() => editor.ApplyBatchAsync(FiveFileBatch()));
        Assert.That(ex!.Message, Does.Contain("injected"));
        Assert.That(_host.Snapshot(), Is.EqualTo(before), "every file wholly as before, no temporary file left");
        Assert.That(editor.Batches, Has.Count.EqualTo(1));
        Assert.That(editor.Batches[0].Status, Is.EqualTo(EditBatchStatus.Aborted));

        var reopened = await _host.Edits.OpenAsync(editor.Session.Id);
        Assert.That(reopened.Batches[0].Status, Is.EqualTo(EditBatchStatus.Aborted), "the abort is recorded in the session");
    }

    [Test]
    public async Task ApplyBatchAsync_OldTextMissingInTheThirdFile_WritesNothing()
    {
        var before = _host.Snapshot();
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        var batch = new EditBatch("bad", [
            EditOperation.Replace("f0.txt", "value = 0", "x"),
            EditOperation.Replace("f1.txt", "value = 1", "x"),
            EditOperation.Replace("f2.txt", "not there", "x"),
            EditOperation.Replace("f3.txt", "value = 3", "x"),
        ]);
        var ex = await Assert.ThrowsAsync<EditPreconditionException>(() => editor.ApplyBatchAsync(batch));
        Assert.That(ex!.Path, Is.EqualTo("f2.txt"));
        Assert.That(_host.Snapshot(), Is.EqualTo(before));
        Assert.That(editor.Batches, Is.Empty);
    }

    [Test]
    public async Task ApplyBatchAsync_ThenRollback_RestoresExactBytes()
    {
        _host.WriteBytes("crlf.txt", [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("a\r\nb\r\n")]);
        var before = _host.Snapshot();
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        var applied = await editor.ApplyBatchAsync(new EditBatch("refactor-function", [.. FiveFileBatch().Operations, EditOperation.Append("crlf.txt", "c\n"), EditOperation.CreateFile("new/dir/file.txt", "new\n")]));
        Assert.That(applied.Name, Is.EqualTo("refactor-function"));
        Assert.That(applied.Files, Has.Count.EqualTo(7));
        Assert.That(applied.CanRollback, Is.True);
        Assert.That(_host.Read("f3.txt"), Is.EqualTo("file 3\nvalue = 103\n"));

        var rolledBack = await editor.RollbackAsync();
        Assert.That(rolledBack.BatchId, Is.EqualTo(applied.BatchId));
        Assert.That(rolledBack.Status, Is.EqualTo(EditBatchStatus.RolledBack));
        Assert.That(_host.Snapshot(), Is.EqualTo(before));
        Assert.That(Directory.EnumerateFiles(_host.Workspace, "*.bak", SearchOption.AllDirectories), Is.Empty, "no .bak files in the workspace");
    }

    [Test]
    public async Task RollbackAsync_AfterARestart_OnTheFileStore_RestoresExactBytes()
    {
        var before = _host.Snapshot();
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        var first = await editor.ApplyBatchAsync(FiveFileBatch("first"));
        var second = await editor.ApplyBatchAsync(new EditBatch("second", [EditOperation.Append("f0.txt", "more\n"), EditOperation.DeleteFile("f4.txt")]));
        string id = editor.Session.Id;

        _host.Restart();
        var reopened = await _host.Edits.OpenAsync(id);
        Assert.That(reopened.Batches.Select(b => (b.BatchId, b.Status)), Is.EqualTo(new[] { (first.BatchId, EditBatchStatus.Applied), (second.BatchId, EditBatchStatus.Applied) }));
        Assert.That(reopened.Batches[1].Files.Select(f => f.Path), Is.EqualTo(new[] { "f0.txt", "f4.txt" }));

        await Assert.ThatAsync(() => reopened.RollbackAsync(first.BatchId), Throws.TypeOf<EditConflictException>().With.Property("Path").EqualTo("f0.txt"), "the later batch changed f0.txt");
        await reopened.RollbackAsync();
        await reopened.RollbackAsync();
        Assert.That(_host.Snapshot(), Is.EqualTo(before));

        _host.Restart();
        var again = await _host.Edits.OpenAsync(id);
        Assert.That(again.Batches.Select(b => b.Status), Is.All.EqualTo(EditBatchStatus.RolledBack));
        await Assert.ThatAsync(() => again.RollbackAsync(), Throws.TypeOf<InvalidOperationException>());
    }

    [Test]
    public async Task RollbackAsync_FileChangedSinceApplied_IsAConflictUnlessForced()
    {
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        await editor.ApplyBatchAsync(FiveFileBatch());
        _host.Write("f2.txt", "edited by hand\n");
        var ex = await Assert.ThrowsAsync<EditConflictException>(() => editor.RollbackAsync());
        Assert.That(ex!.Path, Is.EqualTo("f2.txt"));
        Assert.That(_host.Read("f1.txt"), Is.EqualTo("file 1\nvalue = 101\n"), "nothing restored");

        await editor.RollbackAsync(force: true);
        Assert.That(_host.Read("f2.txt"), Is.EqualTo("file 2\nvalue = 2\n"));
        Assert.That(_host.Read("f1.txt"), Is.EqualTo("file 1\nvalue = 1\n"));
    }

    [Test]
    public async Task RollbackAsync_DiskFailsMidway_PutsTheBatchBack()
    {
        var files = new FailingEditFileSystem(8);
        var editor = await _host.EditsWith(files).CreateAsync(_host.Workspace);
        await editor.ApplyBatchAsync(FiveFileBatch());
        var applied = _host.Snapshot();
        await Assert.ThatAsync(() => editor.RollbackAsync(), Throws.TypeOf<IOException>());
        Assert.That(_host.Snapshot(), Is.EqualTo(applied));
        Assert.That(editor.Batches[0].Status, Is.EqualTo(EditBatchStatus.Applied));
        await editor.RollbackAsync();
        Assert.That(_host.Read("f4.txt"), Is.EqualTo("file 4\nvalue = 4\n"));
    }

    [Test]
    public async Task CreateBackupOff_KeepsNoBackup_AndRefusesRollback()
    {
        using var host = new EditTestHost(fileStore: true, o => o.CreateBackup = false);
        host.Write("a.txt", "a\n");
        var editor = await host.Edits.CreateAsync(host.Workspace);
        var result = await editor.ApplyBatchAsync(new EditBatch("no-backup", [EditOperation.Replace("a.txt", "a", "b")]));
        Assert.That(result.CanRollback, Is.False);
        Assert.That((await Assert.ThrowsAsync<InvalidOperationException>(() => editor.RollbackAsync()))!.Message, Does.Contain("CreateBackup"));
    }

    [Test]
    public async Task Batches_AreRecordedAsStateEventsOfAnEditSession()
    {
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        await editor.ApplyBatchAsync(FiveFileBatch());
        Assert.That(editor.Session.Kind, Is.EqualTo(SessionKind.Edit));
        var events = new List<string>();
        await foreach (var e in editor.Session.ReadStateAsync("edit"))
        {
            events.Add(e.EventName);
        }

        Assert.That(events, Is.EqualTo(new[] { "batch.intent", "batch.applied" }));
    }

    [Test]
    public async Task OpenAsync_NotAnEditSession_Throws()
    {
        var chat = await _host.Sessions.Create().CreateAsync();
        await Assert.ThatAsync(() => _host.Edits.OpenAsync(chat.Id), Throws.ArgumentException.With.Property("ParamName").EqualTo("sessionId"));
        await Assert.ThatAsync(() => _host.Edits.CreateAsync(Path.Combine(_host.Temp, "missing")), Throws.ArgumentException.With.Property("ParamName").EqualTo("workspaceRoot"));
    }

    [Test]
    public async Task RewindAsync_UndoesLaterBatches_ThenTruncatesTheConversation()
    {
        var before = _host.Snapshot();
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        await editor.Session.AddMessageAsync(new Microsoft.Extensions.AI.ChatMessage(Microsoft.Extensions.AI.ChatRole.User, "first request"));
        long keep = editor.Session.MessageCount;
        var first = await editor.ApplyBatchAsync(FiveFileBatch("first"));
        await editor.Session.AddMessageAsync(new Microsoft.Extensions.AI.ChatMessage(Microsoft.Extensions.AI.ChatRole.User, "second request"));
        var second = await editor.ApplyBatchAsync(new EditBatch("second", [EditOperation.Append("f0.txt", "more\n"), EditOperation.CreateFile("added.txt", "new\n")]));
        Assert.That(editor.Session.MessageCount, Is.EqualTo(keep + 5));

        var undone = await editor.RewindAsync(keep);
        Assert.That(undone.Select(b => b.BatchId), Is.EqualTo(new[] { second.BatchId, first.BatchId }));
        Assert.That(_host.Snapshot(), Is.EqualTo(before));
        Assert.That(editor.Session.MessageCount, Is.EqualTo(keep));
        Assert.That((await editor.Session.GetMessagesAsync())[^1].Message.Text, Is.EqualTo("first request"));
        Assert.That(editor.Batches, Is.Empty);

        _host.Restart();
        var reopened = await _host.Edits.OpenAsync(editor.Session.Id);
        Assert.That(reopened.Session.MessageCount, Is.EqualTo(keep));
        Assert.That(reopened.Batches, Is.Empty);
    }

    [Test]
    public async Task RewindAsync_KeepsEarlierBatches_AndRefusesAConflictBeforeChangingAnything()
    {
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        var first = await editor.ApplyBatchAsync(FiveFileBatch("first"));
        long keep = editor.Session.MessageCount;
        await editor.ApplyBatchAsync(new EditBatch("second", [EditOperation.Append("f1.txt", "more\n")]));
        _host.Write("f1.txt", "hand edit\n");
        var state = _host.Snapshot();
        await Assert.ThatAsync(() => editor.RewindAsync(keep), Throws.TypeOf<EditConflictException>());
        Assert.That(_host.Snapshot(), Is.EqualTo(state));
        Assert.That(editor.Session.MessageCount, Is.EqualTo(keep + 2));

        await editor.RewindAsync(keep, force: true);
        Assert.That(_host.Read("f1.txt"), Is.EqualTo("file 1\nvalue = 101\n"), "back to just after the first batch");
        Assert.That(editor.Batches.Select(b => (b.BatchId, b.Status)), Is.EqualTo(new[] { (first.BatchId, EditBatchStatus.Applied) }));
        await editor.RollbackAsync();
        Assert.That(_host.Read("f1.txt"), Is.EqualTo("file 1\nvalue = 1\n"));
    }

    [Test]
    public async Task RewindAsync_OutOfRange_Throws()
    {
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        await Assert.ThatAsync(() => editor.RewindAsync(-1), Throws.TypeOf<ArgumentOutOfRangeException>());
        await Assert.ThatAsync(() => editor.RewindAsync(1), Throws.TypeOf<ArgumentOutOfRangeException>());
    }
}

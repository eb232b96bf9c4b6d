using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk.Tests;

/// <summary>State that travels with the session: an interrupted rewind finished on open, and backups carried by export and import into another store.</summary>
public sealed class EditRecoveryTests
{
    private EditTestHost _host = null!;

    [SetUp]
    public void SetUp()
    {
        _host = new EditTestHost(fileStore: true);
        _host.Write("a.txt", "alpha\n");
        _host.Write("b.txt", "beta\r\n");
    }

    [TearDown]
    public void TearDown() => _host.Dispose();

    [Test]
    public async Task OpenAsync_RewindInterruptedAfterItsRecord_IsFinished_FilesAndConversationTogether()
    {
        var before = _host.Snapshot();
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        await editor.Session.AddMessageAsync(new ChatMessage(ChatRole.User, "keep me"));
        long keep = editor.Session.MessageCount;
        var batch = await editor.ApplyBatchAsync(new EditBatch("later", [EditOperation.Replace("a.txt", "alpha", "ALPHA"), EditOperation.CreateFile("new/c.txt", "c\n")]));
        await editor.Session.AddMessageAsync(new ChatMessage(ChatRole.User, "cut me"));

        // What RewindAsync stores before it changes anything; a crash right after it leaves the rewind to the next open.
        var record = new EditRewindData { Sequence = keep, BatchIds = [batch.BatchId] };
        await editor.Session.AppendStateAsync("edit", "rewind.started", JsonSerializer.SerializeToElement(record, EditingJsonContext.Default.EditRewindData));
        Assert.That(_host.Read("a.txt"), Is.EqualTo("ALPHA\n"));

        _host.Restart();
        var reopened = await _host.Edits.OpenAsync(editor.Session.Id);
        Assert.That(_host.Snapshot(), Is.EqualTo(before));
        Assert.That(Directory.Exists(_host.PathOf("new")), Is.False);
        Assert.That(reopened.Session.MessageCount, Is.EqualTo(keep));
        Assert.That((await reopened.Session.GetMessagesAsync())[^1].Message.Text, Is.EqualTo("keep me"));
        Assert.That(reopened.Batches, Is.Empty);
    }

    [Test]
    public async Task Backups_TravelWithExport_SoAnotherStoreCanRollBack()
    {
        var before = _host.Snapshot();
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        await editor.ApplyBatchAsync(new EditBatch("exported", [EditOperation.Replace("a.txt", "alpha", "ALPHA"), EditOperation.Append("b.txt", "more\n")]));
        using var document = new MemoryStream();
        Assert.That(await _host.Sessions.ExportAsync(SessionQuery.All, document), Is.EqualTo(1));

        using var other = new EditTestHost(fileStore: false);
        document.Position = 0;
        await other.Sessions.ImportAsync(document);
        var imported = await other.Edits.OpenAsync(editor.Session.Id);
        Assert.That(imported.Batches.Single().Name, Is.EqualTo("exported"));
        await imported.RollbackAsync();
        Assert.That(_host.Snapshot(), Is.EqualTo(before), "exact bytes (CRLF kept) restored from the imported session's backups");
    }
}

using System.Text;

namespace Sessions.Sdk.Tests;

/// <summary>Batches of many files, whose files are written a few at once: still all-or-nothing, exact bytes back on rollback, undo of exactly what landed.</summary>
public sealed class EditManyFileTests
{
    private const int FileCount = 40;
    private EditTestHost _host = null!;

    [SetUp]
    public void SetUp()
    {
        _host = new EditTestHost(fileStore: true);
        for (int i = 0; i < FileCount; i++)
        {
            _host.Write(Name(i), $"file {i}\nvalue = {i}\n");
        }
    }

    [TearDown]
    public void TearDown() => _host.Dispose();

    [Test]
    public async Task ApplyThenRollback_ManyFilesInSeveralFolders_WithCreatesAndDeletes_RestoresExactBytes()
    {
        _host.WriteBytes("crlf.txt", [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("a\r\nb\r\n")]);
        var before = _host.Snapshot();
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        var batch = new EditBatch("many", [
            .. Enumerable.Range(0, FileCount).Select(i => EditOperation.Replace(Name(i), $"value = {i}\n", $"value = {i + 1000}\n")),
            .. Enumerable.Range(0, 6).Select(i => EditOperation.CreateFile($"new/d{i % 2}/n{i}.txt", $"new {i}\n")),
            EditOperation.DeleteFile(Name(3)),
            EditOperation.Append("crlf.txt", "c\n"),
        ]);

        var applied = await editor.ApplyBatchAsync(batch);
        Assert.That(applied.Files, Has.Count.EqualTo(FileCount + 7));
        for (int i = 0; i < FileCount; i++)
        {
            Assert.That(File.Exists(_host.PathOf(Name(i))), Is.EqualTo(i != 3), Name(i));
            if (i != 3)
            {
                Assert.That(_host.Read(Name(i)), Is.EqualTo($"file {i}\nvalue = {i + 1000}\n"));
            }
        }

        Assert.That(_host.Read("new/d1/n5.txt"), Is.EqualTo("new 5\n"));
        Assert.That(_host.ReadBytes("crlf.txt"), Is.EqualTo((byte[])[0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("a\r\nb\r\nc\r\n")]));
        Assert.That(Directory.EnumerateFiles(_host.Workspace, "*.tmp", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }), Is.Empty);

        await editor.RollbackAsync();
        Assert.That(_host.Snapshot(), Is.EqualTo(before), "every file's exact bytes back, the created files and folders gone, no temporary file left");
    }

    [TestCase(1)]
    [TestCase(17)]
    [TestCase(FileCount)]
    public async Task ApplyBatchAsync_ManyFiles_DiskFailsOnTheNthWrite_LeavesEveryFileAsItWas(int failOn)
    {
        var before = _host.Snapshot();
        var files = new FailingEditFileSystem(failOn);
        var editor = await _host.EditsWith(files).CreateAsync(_host.Workspace);
        var ex = await Assert.ThrowsAsync<IOException>(() => editor.ApplyBatchAsync(ManyFileBatch()));
        Assert.That(ex!.Message, Does.Contain("injected"));
        Assert.That(_host.Snapshot(), Is.EqualTo(before), "every file wholly as before, no temporary file left");
        Assert.That(editor.Batches.Single().Status, Is.EqualTo(EditBatchStatus.Aborted));
        Assert.That(files.Writes, Is.LessThanOrEqualTo(2 * FileCount), "no file written more than once each way");
    }

    [Test]
    public async Task ApplyBatchAsync_ManyFiles_OneChangedOnDiskWhileApplied_IsAConflict_AndNoFileChanges()
    {
        // The second read of f29 is the check just before its write: someone changed it between planning and writing.
        var files = new TamperingEditFileSystem(_host.PathOf(Name(29)), onRead: 2, "changed by someone else\n");
        var editor = await _host.EditsWith(files).CreateAsync(_host.Workspace);
        var ex = await Assert.ThrowsAsync<EditConflictException>(() => editor.ApplyBatchAsync(ManyFileBatch()));
        Assert.That(ex!.Path, Is.EqualTo(Name(29)));
        for (int i = 0; i < FileCount; i++)
        {
            Assert.That(_host.Read(Name(i)), Is.EqualTo(i == 29 ? "changed by someone else\n" : $"file {i}\nvalue = {i}\n"), Name(i));
        }

        Assert.That(Directory.EnumerateFiles(_host.Workspace, "*.tmp", SearchOption.AllDirectories), Is.Empty);
        Assert.That(editor.Batches.Single().Status, Is.EqualTo(EditBatchStatus.Aborted));
    }

    [TestCase(FileCount + 1)]
    [TestCase(FileCount + 23)]
    [TestCase(2 * FileCount)]
    public async Task RollbackAsync_ManyFiles_DiskFailsOnTheNthWrite_LeavesTheBatchApplied(int failOn)
    {
        var files = new FailingEditFileSystem(failOn);
        var editor = await _host.EditsWith(files).CreateAsync(_host.Workspace);
        await editor.ApplyBatchAsync(ManyFileBatch());
        var applied = _host.Snapshot();

        await Assert.ThatAsync(() => editor.RollbackAsync(), Throws.TypeOf<IOException>().With.Message.Contains("injected"));
        Assert.That(_host.Snapshot(), Is.EqualTo(applied), "the files restored before the failure are put back as applied");
        Assert.That(editor.Batches.Single().Status, Is.EqualTo(EditBatchStatus.Applied));

        await editor.RollbackAsync();
        for (int i = 0; i < FileCount; i++)
        {
            Assert.That(_host.Read(Name(i)), Is.EqualTo($"file {i}\nvalue = {i}\n"), Name(i));
        }
    }

    [Test]
    public async Task ApplyBatchAsync_TwoPathsOfOneFile_IsAConflict_AndNoFileChanges()
    {
        // A link inside the workspace and its target in one batch are one file: written one at a time, in order, the second path's
        // check sees the first path's write, so the batch is refused and undone, never a race between the two writes.
        File.CreateSymbolicLink(_host.PathOf("alias.txt"), _host.PathOf(Name(0)));
        var before = _host.Snapshot();
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        var batch = new EditBatch("both", [EditOperation.Append(Name(0), "first\n"), EditOperation.Append("alias.txt", "second\n"), .. ManyFileBatch().Operations.Skip(1)]);

        var ex = await Assert.ThrowsAsync<EditConflictException>(() => editor.ApplyBatchAsync(batch));
        Assert.That(ex!.Path, Is.EqualTo("alias.txt"));
        Assert.That(_host.Snapshot(), Is.EqualTo(before));
        Assert.That(new FileInfo(_host.PathOf("alias.txt")).LinkTarget, Is.Not.Null);
    }

    [Test]
    public async Task PreviewAndApply_ManyFiles_SeveralFailing_ReportTheFirstFileInOrder_AndWriteNothing()
    {
        var before = _host.Snapshot();
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        var operations = ManyFileBatch().Operations.Select((o, i) => i is 7 or 33 ? EditOperation.Replace(Name(i), "not there", "x") : o).ToList();
        for (int attempt = 0; attempt < 5; attempt++)
        {
            var ex = await Assert.ThrowsAsync<EditPreconditionException>(() => editor.ApplyBatchAsync(new EditBatch("two bad", operations)));
            Assert.That(ex!.Path, Is.EqualTo(Name(7)), "planned a few files at once, the error is still the first file's");
            editor.ClearPending();
            editor.Add(operations);
            var previewError = await Assert.ThrowsAsync<EditPreconditionException>(() => editor.PreviewAsync());
            Assert.That(previewError!.Path, Is.EqualTo(Name(7)));
        }

        Assert.That(_host.Snapshot(), Is.EqualTo(before));
    }

    [Test]
    public async Task RollbackAsync_ManyFiles_TwoChangedSinceApplied_IsAConflictNamingTheFirst_AndNoFileChanges()
    {
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        await editor.ApplyBatchAsync(ManyFileBatch());
        _host.Write(Name(11), "edited by hand\n");
        _host.Write(Name(36), "edited by hand too\n");
        var changed = _host.Snapshot();

        var ex = await Assert.ThrowsAsync<EditConflictException>(() => editor.RollbackAsync());
        Assert.That(ex!.Path, Is.EqualTo(Name(11)));
        Assert.That(_host.Snapshot(), Is.EqualTo(changed));
        Assert.That(editor.Batches.Single().Status, Is.EqualTo(EditBatchStatus.Applied));
    }

    private static string Name(int i) => $"d{i % 4}/f{i}.txt";

    private static EditBatch ManyFileBatch() =>
        new("many", Enumerable.Range(0, FileCount).Select(i => EditOperation.Replace(Name(i), $"value = {i}\n", $"value = {i + 1000}\n")));
}

/// <summary>The real file system; on the Nth read of one file it first overwrites that file, as another program would.</summary>
internal sealed class TamperingEditFileSystem(string fullPath, int onRead, string content) : IEditFileSystem
{
    private int _reads;

    public byte[]? ReadFile(string fullPath1, string path, long maxSize)
    {
        if (string.Equals(Path.GetFileName(fullPath1), Path.GetFileName(fullPath), StringComparison.Ordinal) && Interlocked.Increment(ref _reads) == onRead)
        {
            File.WriteAllText(fullPath, content);
        }

        return PhysicalEditFileSystem.Instance.ReadFile(fullPath1, path, maxSize);
    }

    public void WriteFile(string fullPath1, string tempPath, byte[] bytes) => PhysicalEditFileSystem.Instance.WriteFile(fullPath1, tempPath, bytes);

    public void DeleteFile(string fullPath1) => PhysicalEditFileSystem.Instance.DeleteFile(fullPath1);
}

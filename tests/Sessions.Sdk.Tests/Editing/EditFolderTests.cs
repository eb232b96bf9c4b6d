namespace Sessions.Sdk.Tests;

/// <summary>Folders a batch creates for new files are removed again when the batch is undone (rollback, abort, rewind), once empty; folders that existed before are never removed.</summary>
public sealed class EditFolderTests
{
    private EditTestHost _host = null!;

    [SetUp]
    public void SetUp()
    {
        _host = new EditTestHost(fileStore: true);
        _host.Write("src/main.py", "print('hi')\n");
        Directory.CreateDirectory(_host.PathOf("empty"));
    }

    [TearDown]
    public void TearDown() => _host.Dispose();

    private static EditBatch CreatingBatch() => new("create", [
        EditOperation.CreateFile("src/new/deep/x.py", "x = 1\n"),
        EditOperation.CreateFile("src/new/y.py", "y = 2\n"),
        EditOperation.CreateFile("docs/guide/a.md", "# A\n"),
        EditOperation.CreateFile("empty/z.txt", "z\n"),
        EditOperation.CreateFile("src/top.py", "top\n"),
        EditOperation.Replace("src/main.py", "hi", "hello"),
    ]);

    [Test]
    public async Task RollbackAsync_RemovesTheFoldersTheBatchCreated_AndKeepsThoseThatExisted()
    {
        var before = Folders();
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        await editor.ApplyBatchAsync(CreatingBatch());
        Assert.That(Folders(), Is.SupersetOf(new[] { "docs", "docs/guide", "src/new", "src/new/deep" }));

        await editor.RollbackAsync();
        Assert.That(Folders(), Is.EqualTo(before), "src and the empty folder existed before and stay; every created folder is gone");
        Assert.That(Directory.Exists(_host.PathOf("empty")), Is.True);
        Assert.That(_host.Read("src/main.py"), Is.EqualTo("print('hi')\n"));
        Assert.That(File.Exists(_host.PathOf("src/top.py")), Is.False);
    }

    [Test]
    public async Task RollbackAsync_AfterARestart_RemovesTheCreatedFolders()
    {
        var before = Folders();
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        await editor.ApplyBatchAsync(CreatingBatch());
        _host.Restart();
        var reopened = await _host.Edits.OpenAsync(editor.Session.Id);
        await reopened.RollbackAsync();
        Assert.That(Folders(), Is.EqualTo(before), "the created folders are recorded in the session's batch intent");
    }

    [Test]
    public async Task RollbackAsync_CreatedFolderNowHoldsSomeoneElsesFile_KeepsThatFolderAndFile()
    {
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        await editor.ApplyBatchAsync(CreatingBatch());
        _host.Write("src/new/user.txt", "mine\n");

        await editor.RollbackAsync();
        Assert.That(_host.Read("src/new/user.txt"), Is.EqualTo("mine\n"));
        Assert.That(Directory.Exists(_host.PathOf("src/new/deep")), Is.False, "the empty created folder below it is removed");
        Assert.That(File.Exists(_host.PathOf("src/new/y.py")), Is.False);
        Assert.That(Directory.Exists(_host.PathOf("docs")), Is.False);
    }

    [Test]
    public async Task RollbackAsync_OfALaterBatch_KeepsAFolderAnEarlierBatchCreated()
    {
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        await editor.ApplyBatchAsync(new EditBatch("first", [EditOperation.CreateFile("lib/a.txt", "a\n")]));
        await editor.ApplyBatchAsync(new EditBatch("second", [EditOperation.CreateFile("lib/b/c.txt", "c\n")]));

        await editor.RollbackAsync();
        Assert.That(Folders(), Does.Contain("lib").And.Not.Contain("lib/b"), "lib existed before the second batch");
        Assert.That(_host.Read("lib/a.txt"), Is.EqualTo("a\n"));

        await editor.RollbackAsync();
        Assert.That(Folders(), Does.Not.Contain("lib"));
    }

    [Test]
    public async Task ApplyBatchAsync_DiskFailsAfterAFolderWasCreated_LeavesNoCreatedFolder()
    {
        var before = Folders();
        var editor = await _host.EditsWith(new FailingEditFileSystem(failOnWrite: 2)).CreateAsync(_host.Workspace);
        var batch = new EditBatch("fails", [EditOperation.CreateFile("n1/a/a.txt", "a\n"), EditOperation.CreateFile("n2/b.txt", "b\n")]);
        await Assert.ThatAsync(() => editor.ApplyBatchAsync(batch), Throws.TypeOf<IOException>());
        Assert.That(Folders(), Is.EqualTo(before));
        Assert.That(editor.Batches[0].Status, Is.EqualTo(EditBatchStatus.Aborted));
    }

    [Test]
    public async Task RewindAsync_RemovesTheFoldersOfTheUndoneBatches()
    {
        var before = Folders();
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        await editor.ApplyBatchAsync(CreatingBatch());
        await editor.RewindAsync(0);
        Assert.That(Folders(), Is.EqualTo(before));
    }

    private List<string> Folders() =>
        [.. Directory.EnumerateDirectories(_host.Workspace, "*", SearchOption.AllDirectories)
            .Select(d => Path.GetRelativePath(_host.Workspace, d).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)];
}

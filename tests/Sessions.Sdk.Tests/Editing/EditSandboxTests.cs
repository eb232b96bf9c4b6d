namespace Sessions.Sdk.Tests;

/// <summary>Paths that would leave the workspace are refused before any byte is written, with the path named.</summary>
public sealed class EditSandboxTests
{
    private static readonly string[] HostilePaths =
    [
        "..",
        "../escape.txt",
        "../outside/secret.txt",
        "a/../../escape.txt",
        "a/b/../../../escape.txt",
        "./../escape.txt",
        "..\\escape.txt",
        "a\\..\\..\\escape.txt",
        "/etc/passwd",
        "/tmp/escape.txt",
        "\\escape.txt",
        "C:\\Windows\\win.ini",
        "C:/Windows/win.ini",
        "c:escape.txt",
        "\\\\server\\share\\file.txt",
        "//server/share/file.txt",
        "\\\\?\\C:\\escape.txt",
        "\\\\.\\PhysicalDrive0",
        "file.txt\0.png",
        "a\0/../../escape",
        "file.txt:stream",
        "file:///etc/passwd",
        "~/escape.txt",
        "",
        "   ",
        ".",
        "./",
        "a/..",
        "CON",
        "nul.txt",
        "dir/COM1",
        "name.",
        "name ",
        "bell\u0007.txt",
        "new\nline.txt",
        "a/" + new string('x', 300),
        "what?.txt",
        "star*.txt",
    ];

    private EditTestHost _host = null!;

    [SetUp]
    public void SetUp()
    {
        _host = new EditTestHost(fileStore: false);
        File.WriteAllText(Path.Combine(_host.Outside, "secret.txt"), "secret\n");
        _host.Write("inside.txt", "inside\n");
    }

    [TearDown]
    public void TearDown() => _host.Dispose();

    [TestCaseSource(nameof(HostilePaths))]
    public async Task EveryOperation_HostilePath_IsRefusedNamingThePath_AndWritesNothing(string path)
    {
        var before = _host.Snapshot();
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        foreach (var op in Operations(path))
        {
            editor.ClearPending();

            // A good operation first: the refusal must come before it is written too.
            editor.Add(EditOperation.Append("inside.txt", "x"), op);
            var ex = await Assert.ThrowsAsync<EditSandboxException>(() => editor.ApplyAsync(), op.Kind.ToString());
            Assert.That(ex!.Path, Is.EqualTo(op.Path));
            Assert.That(ex.Message, Does.Contain("refused"));
            await Assert.ThatAsync(() => editor.ApplyBatchAsync(new EditBatch("b", [op])), Throws.TypeOf<EditSandboxException>());
            await Assert.ThatAsync(() => editor.PreviewAsync(), Throws.TypeOf<EditSandboxException>());
        }

        Assert.That(_host.Snapshot(), Is.EqualTo(before), "no byte written anywhere");
        Assert.That(editor.Batches, Is.Empty);
    }

    [Test]
    public void HostileList_HasAtLeastTwentyPaths() => Assert.That(HostilePaths, Has.Length.GreaterThanOrEqualTo(20));

    [Test]
    public async Task ProposeAsync_HostileFile_IsRefusedBeforeTheModelIsCalled()
    {
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        await Assert.ThatAsync(() => editor.ProposeAsync("read it", ["../outside/secret.txt"]), Throws.TypeOf<EditSandboxException>());
        Assert.That(_host.Client.CallCount, Is.Zero);
    }

    [Test]
    public async Task FileSymlinkPointingOutside_IsRefused()
    {
        File.CreateSymbolicLink(_host.PathOf("link.txt"), Path.Combine(_host.Outside, "secret.txt"));
        await AssertRefusedAsync("link.txt");
    }

    [Test]
    public async Task FolderSymlinkPointingOutside_IsRefusedForFilesBelowIt()
    {
        Directory.CreateSymbolicLink(_host.PathOf("linked"), _host.Outside);
        await AssertRefusedAsync("linked/secret.txt");
        await AssertRefusedAsync("linked/new-file.txt", create: true);
    }

    [Test]
    public async Task NestedFolderSymlinkPointingOutside_IsRefused()
    {
        Directory.CreateDirectory(_host.PathOf("a/b"));
        Directory.CreateSymbolicLink(_host.PathOf("a/b/c"), _host.Outside);
        await AssertRefusedAsync("a/b/c/secret.txt");
    }

    [Test]
    public async Task RelativeSymlinkClimbingOut_IsRefused()
    {
        File.CreateSymbolicLink(_host.PathOf("rel.txt"), "../outside/secret.txt");
        await AssertRefusedAsync("rel.txt");
    }

    [Test]
    public async Task ChainOfLinksEndingOutside_IsRefused()
    {
        File.CreateSymbolicLink(Path.Combine(_host.Outside, "hop.txt"), _host.PathOf("inside.txt"));
        File.CreateSymbolicLink(_host.PathOf("chain1.txt"), _host.PathOf("chain2.txt"));
        File.CreateSymbolicLink(_host.PathOf("chain2.txt"), Path.Combine(_host.Outside, "secret.txt"));
        await AssertRefusedAsync("chain1.txt");
    }

    [Test]
    public async Task LinkLoop_IsRefused()
    {
        File.CreateSymbolicLink(_host.PathOf("loop1"), _host.PathOf("loop2"));
        File.CreateSymbolicLink(_host.PathOf("loop2"), _host.PathOf("loop1"));
        await AssertRefusedAsync("loop1");
    }

    [Test]
    public async Task SymlinkInsideTheWorkspace_IsFollowed_AndTheLinkKept()
    {
        Directory.CreateDirectory(_host.PathOf("real"));
        _host.Write("real/target.txt", "v1\n");
        File.CreateSymbolicLink(_host.PathOf("alias.txt"), _host.PathOf("real/target.txt"));
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        editor.Add(EditOperation.Replace("alias.txt", "v1", "v2"));
        await editor.ApplyAsync();
        Assert.That(_host.Read("real/target.txt"), Is.EqualTo("v2\n"));
        Assert.That(new FileInfo(_host.PathOf("alias.txt")).LinkTarget, Is.Not.Null, "the link itself is not replaced by a file");
    }

    [Test]
    public async Task WorkspaceRootReachedThroughASymlink_Works()
    {
        string alias = Path.Combine(_host.Temp, "alias-root");
        Directory.CreateSymbolicLink(alias, _host.Workspace);
        var editor = await _host.Edits.CreateAsync(alias);
        editor.Add(EditOperation.Append("inside.txt", "more\n"));
        await editor.ApplyAsync();
        Assert.That(_host.Read("inside.txt"), Is.EqualTo("inside\nmore\n"));
    }

    [Test]
    public void Normalize_PlainRelativePaths_AreAccepted()
    {
        Assert.That(WorkspaceSandbox.Normalize("src/main.py"), Is.EqualTo("src/main.py"));
        Assert.That(WorkspaceSandbox.Normalize("./src//main.py"), Is.EqualTo("src/main.py"));
        Assert.That(WorkspaceSandbox.Normalize("src\\main.py"), Is.EqualTo("src/main.py"));
        Assert.That(WorkspaceSandbox.Normalize(".gitignore"), Is.EqualTo(".gitignore"));
        Assert.That(WorkspaceSandbox.Normalize("a..b/c...d.txt"), Is.EqualTo("a..b/c...d.txt"));
    }

    private async Task AssertRefusedAsync(string path, bool create = false)
    {
        var before = _host.Snapshot();
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        var ops = create ? [EditOperation.CreateFile(path, "x")] : Operations(path);
        foreach (var op in ops)
        {
            editor.ClearPending();
            editor.Add(EditOperation.Append("inside.txt", "x"), op);
            var ex = await Assert.ThrowsAsync<EditSandboxException>(() => editor.ApplyAsync());
            Assert.That(ex!.Path, Is.EqualTo(path));
        }

        Assert.That(_host.Snapshot(), Is.EqualTo(before));
        Assert.That(File.ReadAllText(Path.Combine(_host.Outside, "secret.txt")), Is.EqualTo("secret\n"));
    }

    private static EditOperation[] Operations(string path) =>
    [
        EditOperation.Replace(path, "secret", "owned"),
        EditOperation.Insert(path, 1, "owned\n"),
        EditOperation.Append(path, "owned"),
        EditOperation.Prepend(path, "owned"),
        EditOperation.Delete(path, "secret"),
        EditOperation.Delete(path, 1, 1),
        EditOperation.CreateFile(path, "owned"),
        EditOperation.DeleteFile(path),
    ];
}

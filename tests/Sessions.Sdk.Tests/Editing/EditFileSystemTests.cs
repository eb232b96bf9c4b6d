using System.Text;

namespace Sessions.Sdk.Tests;

/// <summary>The real file system seam and path resolution that apply and rollback use per file: same results with fewer lookups.</summary>
public sealed class EditFileSystemTests
{
    private EditTestHost _host = null!;

    [SetUp]
    public void SetUp() => _host = new EditTestHost(fileStore: false);

    [TearDown]
    public void TearDown() => _host.Dispose();

    [Test]
    public void WriteFile_OverALeftoverTemporaryFile_ReplacesTheFile_AndLeavesNoTemporaryFile()
    {
        _host.Write("a.txt", "old\n");
        string temp = _host.PathOf(".sessions-edit-leftover-0.tmp");
        File.WriteAllText(temp, "a leftover of an interrupted write, longer than the new content\n");

        PhysicalEditFileSystem.Instance.WriteFile(_host.PathOf("a.txt"), temp, Encoding.UTF8.GetBytes("new\n"));

        Assert.That(_host.Read("a.txt"), Is.EqualTo("new\n"), "exactly the new bytes, nothing of the leftover");
        Assert.That(File.Exists(temp), Is.False);
    }

    [Test]
    public void WriteFile_InAFolderThatDoesNotExist_CreatesTheFolder()
    {
        string full = _host.PathOf("new/deep/file.txt");
        PhysicalEditFileSystem.Instance.WriteFile(full, _host.PathOf("new/deep/.sessions-edit-x-0.tmp"), Encoding.UTF8.GetBytes("x\n"));
        Assert.That(_host.Read("new/deep/file.txt"), Is.EqualTo("x\n"));
        Assert.That(Directory.EnumerateFiles(_host.PathOf("new/deep")), Has.Exactly(1).Items);
    }

    [Test]
    public void WriteFile_KeepsTheModeOfTheFileItReplaces()
    {
        Assume.That(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "Unix file modes only.");
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        _host.Write("secret.txt", "old\n");
        const UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        File.SetUnixFileMode(_host.PathOf("secret.txt"), mode);

        PhysicalEditFileSystem.Instance.WriteFile(_host.PathOf("secret.txt"), _host.PathOf(".sessions-edit-m-0.tmp"), Encoding.UTF8.GetBytes("new\n"));

        Assert.That(File.GetUnixFileMode(_host.PathOf("secret.txt")), Is.EqualTo(mode));
        Assert.That(_host.Read("secret.txt"), Is.EqualTo("new\n"));
    }

    [Test]
    public void ReadFile_ReadsExactBytes_MissingIsNull_AndAFolderIsAPreconditionNamingThePath()
    {
        _host.WriteBytes("bytes.bin", [0xEF, 0xBB, 0xBF, 0x61, 0x0D, 0x0A]);
        Directory.CreateDirectory(_host.PathOf("folder"));
        var files = PhysicalEditFileSystem.Instance;

        Assert.That(files.ReadFile(_host.PathOf("bytes.bin"), "bytes.bin", 100), Is.EqualTo(new byte[] { 0xEF, 0xBB, 0xBF, 0x61, 0x0D, 0x0A }));
        Assert.That(files.ReadFile(_host.PathOf("missing.txt"), "missing.txt", 100), Is.Null);
        Assert.That(files.ReadFile(_host.PathOf("missing/below.txt"), "missing/below.txt", 100), Is.Null);
        var ex = Assert.Throws<EditPreconditionException>(() => files.ReadFile(_host.PathOf("folder"), "folder", 100));
        Assert.That(ex!.Path, Is.EqualTo("folder"));
        Assert.That(ex.Message, Does.Contain("folder, not a file"));
        Assert.That(() => files.ReadFile(_host.PathOf("bytes.bin"), "bytes.bin", 5), Throws.TypeOf<EditPreconditionException>().With.Message.Contains("over the limit"));
    }

    [Test]
    public async Task PreviewAsync_OfAFolder_IsAPreconditionNamingThePath()
    {
        Directory.CreateDirectory(_host.PathOf("src"));
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        editor.Add(EditOperation.Append("src", "x\n"));
        var ex = await Assert.ThrowsAsync<EditPreconditionException>(() => editor.PreviewAsync());
        Assert.That(ex!.Path, Is.EqualTo("src"));
    }

    [Test]
    public void Resolve_WithTheFolderCache_GivesWhatResolvingEachPathAfreshGives()
    {
        // Plain files, a linked folder, a linked file, a link to a link, missing folders and files, and a link to a missing target.
        Directory.CreateDirectory(_host.PathOf("real/sub"));
        _host.Write("real/a.txt", "a\n");
        _host.Write("real/sub/b.txt", "b\n");
        _host.Write("top.txt", "t\n");
        Directory.CreateSymbolicLink(_host.PathOf("alias"), _host.PathOf("real"));
        File.CreateSymbolicLink(_host.PathOf("real/link.txt"), _host.PathOf("top.txt"));
        File.CreateSymbolicLink(_host.PathOf("real/hop.txt"), "link.txt");
        File.CreateSymbolicLink(_host.PathOf("real/dangling.txt"), "nowhere.txt");
        string[] paths =
        [
            "top.txt", "real/a.txt", "alias/a.txt", "real/link.txt", "alias/link.txt", "alias/hop.txt", "real/sub/b.txt", "alias/sub/b.txt",
            "alias/sub/new.txt", "missing/x.txt", "missing/y.txt", "missing/deeper/z.txt", "real/dangling.txt", "alias/dangling.txt", "real/new.txt",
        ];
        var sandbox = new WorkspaceSandbox(_host.Workspace);
        var folders = new Dictionary<string, (string Real, bool Exists)>(StringComparer.Ordinal);

        // Twice over, so the second round is answered from the cache.
        foreach (var path in paths.Concat(paths))
        {
            Assert.That(sandbox.Resolve(path, path, folders), Is.EqualTo(sandbox.Resolve(path, path)), path);
        }

        Assert.That(sandbox.Resolve("alias/link.txt", "alias/link.txt", folders), Is.EqualTo(Path.Combine(sandbox.RealRoot, "top.txt")));
    }

    [Test]
    public void Resolve_WithTheFolderCache_StillRefusesALinkLeavingTheWorkspace()
    {
        File.WriteAllText(Path.Combine(_host.Outside, "secret.txt"), "secret\n");
        Directory.CreateDirectory(_host.PathOf("d"));
        _host.Write("d/fine.txt", "fine\n");
        File.CreateSymbolicLink(_host.PathOf("d/out.txt"), Path.Combine(_host.Outside, "secret.txt"));
        var sandbox = new WorkspaceSandbox(_host.Workspace);
        var folders = new Dictionary<string, (string Real, bool Exists)>(StringComparer.Ordinal);

        Assert.That(sandbox.Resolve("d/fine.txt", "d/fine.txt", folders), Is.EqualTo(Path.Combine(sandbox.RealRoot, "d", "fine.txt")));
        var ex = Assert.Throws<EditSandboxException>(() => sandbox.Resolve("d/out.txt", "d/out.txt", folders), "the folder is cached, the link in the file segment is still followed");
        Assert.That(ex!.Message, Does.Contain("d/out.txt"));
    }
}

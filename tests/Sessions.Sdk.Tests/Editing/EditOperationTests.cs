using System.Text;

namespace Sessions.Sdk.Tests;

/// <summary>Every operation applied through an edit session, and the preconditions each one checks.</summary>
public sealed class EditOperationTests
{
    private EditTestHost _host = null!;

    [SetUp]
    public void SetUp() => _host = new EditTestHost(fileStore: false);

    [TearDown]
    public void TearDown() => _host.Dispose();

    private async Task<string> ApplyAsync(string initial, params EditOperation[] operations)
    {
        _host.Write("f.txt", initial);
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        editor.Add(operations);
        var result = await editor.ApplyAsync();
        Assert.That(result.Status, Is.EqualTo(EditBatchStatus.Applied));
        return _host.Read("f.txt");
    }

    [Test]
    public async Task Replace_OneOccurrence_ReplacesIt() =>
        Assert.That(await ApplyAsync("def hello():\n    pass\n", EditOperation.Replace("f.txt", "def hello():", "def hello_world():")), Is.EqualTo("def hello_world():\n    pass\n"));

    [Test]
    public async Task Replace_AllOccurrences_ReplacesEvery() =>
        Assert.That(await ApplyAsync("a b a b a", EditOperation.Replace("f.txt", "a", "x", all: true)), Is.EqualTo("x b x b x"));

    [Test]
    public async Task Insert_AtLine_InsertsBeforeIt() =>
        Assert.That(await ApplyAsync("one\ntwo\nthree\n", EditOperation.Insert("f.txt", line: 3, "import os\n")), Is.EqualTo("one\ntwo\nimport os\nthree\n"));

    [Test]
    public async Task Insert_AfterLastLineWithoutBreak_StartsANewLine() =>
        Assert.That(await ApplyAsync("one\ntwo", EditOperation.Insert("f.txt", line: 3, "three\n")), Is.EqualTo("one\ntwo\nthree\n"));

    [Test]
    public async Task Insert_AtFirstLine_Prefixes() =>
        Assert.That(await ApplyAsync("one\n", EditOperation.Insert("f.txt", line: 1, "zero\n")), Is.EqualTo("zero\none\n"));

    [Test]
    public async Task Append_AddsAtEnd() =>
        Assert.That(await ApplyAsync("# Title\n", EditOperation.Append("f.txt", "\n## Usage\n")), Is.EqualTo("# Title\n\n## Usage\n"));

    [Test]
    public async Task Prepend_AddsAtStart() =>
        Assert.That(await ApplyAsync("body\n", EditOperation.Prepend("f.txt", "// header\n")), Is.EqualTo("// header\nbody\n"));

    [Test]
    public async Task DeleteText_RemovesIt() =>
        Assert.That(await ApplyAsync("keep remove keep", EditOperation.Delete("f.txt", " remove")), Is.EqualTo("keep keep"));

    [Test]
    public async Task DeleteText_All_RemovesEvery() =>
        Assert.That(await ApplyAsync("x1x2x", EditOperation.Delete("f.txt", "x", all: true)), Is.EqualTo("12"));

    [Test]
    public async Task DeleteLines_RemovesTheRangeWithBreaks() =>
        Assert.That(await ApplyAsync("1\n2\n3\n4\n", EditOperation.Delete("f.txt", startLine: 2, endLine: 3)), Is.EqualTo("1\n4\n"));

    [Test]
    public async Task DeleteLines_LastLineWithoutBreak_RemovesIt() =>
        Assert.That(await ApplyAsync("1\n2\n3", EditOperation.Delete("f.txt", startLine: 3, endLine: 3)), Is.EqualTo("1\n2\n"));

    [Test]
    public async Task SeveralOperationsOnOneFile_ApplyInOrder() =>
        Assert.That(
            await ApplyAsync("a\nb\nc\n", EditOperation.Replace("f.txt", "b", "B"), EditOperation.Insert("f.txt", 1, "top\n"), EditOperation.Delete("f.txt", 4, 4), EditOperation.Append("f.txt", "end\n")),
            Is.EqualTo("top\na\nB\nend\n"));

    [Test]
    public async Task CreateFile_InNewFolders_CreatesIt()
    {
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        var result = await editor.ApplyBatchAsync(new EditBatch("create", [EditOperation.CreateFile("src/new/module.py", "x = 1\n")]));
        Assert.That(_host.Read("src/new/module.py"), Is.EqualTo("x = 1\n"));
        Assert.That(result.Files[0].Change, Is.EqualTo(EditFileChange.Create));
    }

    [Test]
    public async Task CreateFile_Existing_IsAPreconditionFailure()
    {
        _host.Write("f.txt", "x");
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        var ex = await Assert.ThrowsAsync<EditPreconditionException>(() => editor.ApplyBatchAsync(new EditBatch("c", [EditOperation.CreateFile("f.txt", "y")])));
        Assert.That(ex!.Path, Is.EqualTo("f.txt"));
        Assert.That(_host.Read("f.txt"), Is.EqualTo("x"));
    }

    [Test]
    public async Task DeleteFile_RemovesIt_AndRollbackRestoresIt()
    {
        _host.Write("gone.txt", "bytes");
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        var result = await editor.ApplyBatchAsync(new EditBatch("d", [EditOperation.DeleteFile("gone.txt")]));
        Assert.That(File.Exists(_host.PathOf("gone.txt")), Is.False);
        Assert.That(result.Files[0].Change, Is.EqualTo(EditFileChange.Delete));
        await editor.RollbackAsync();
        Assert.That(_host.Read("gone.txt"), Is.EqualTo("bytes"));
    }

    [Test]
    public async Task DeleteFile_Missing_IsAPreconditionFailure()
    {
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        var ex = await Assert.ThrowsAsync<EditPreconditionException>(() => editor.ApplyBatchAsync(new EditBatch("d", [EditOperation.DeleteFile("nope.txt")])));
        Assert.That(ex!.Path, Is.EqualTo("nope.txt"));
    }

    [Test]
    public async Task TextOperation_OnMissingFile_IsAPreconditionFailure()
    {
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        editor.Add(EditOperation.Append("missing.md", "x"));
        var ex = await Assert.ThrowsAsync<EditPreconditionException>(() => editor.PreviewAsync());
        Assert.That(ex!.Message, Does.Contain("missing.md").And.Contain("does not exist"));
    }

    [Test]
    public async Task Replace_OldTextMissing_FailsNamingTheFileWithCountZero()
    {
        _host.Write("f.txt", "abc");
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        editor.Add(EditOperation.Replace("f.txt", "xyz", "q"));
        var ex = await Assert.ThrowsAsync<EditPreconditionException>(() => editor.ApplyAsync());
        Assert.That(ex!.Path, Is.EqualTo("f.txt"));
        Assert.That(ex.Occurrences, Is.Zero);
        Assert.That(ex.Message, Does.Contain("not found"));
        Assert.That(editor.Batches, Is.Empty, "nothing is recorded for a batch that cannot apply");
    }

    [Test]
    public async Task Replace_Ambiguous_FailsNamingTheCount()
    {
        _host.Write("f.txt", "foo foo foo");
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        editor.Add(EditOperation.Replace("f.txt", "foo", "bar"));
        var ex = await Assert.ThrowsAsync<EditPreconditionException>(() => editor.PreviewAsync());
        Assert.That(ex!.Occurrences, Is.EqualTo(3));
        Assert.That(ex.Message, Does.Contain("3 times").And.Contain("f.txt"));
        Assert.That(_host.Read("f.txt"), Is.EqualTo("foo foo foo"));
    }

    [Test]
    public async Task DeleteText_Ambiguous_FailsNamingTheCount()
    {
        _host.Write("f.txt", "xx");
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        editor.Add(EditOperation.Delete("f.txt", "x"));
        var ex = await Assert.ThrowsAsync<EditPreconditionException>(() => editor.PreviewAsync());
        Assert.That(ex!.Occurrences, Is.EqualTo(2));
    }

    [Test]
    public async Task LinesOutOfRange_AreRefused()
    {
        _host.Write("f.txt", "1\n2\n");
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        editor.Add(EditOperation.Insert("f.txt", 4, "x\n"));
        Assert.That((await Assert.ThrowsAsync<EditPreconditionException>(() => editor.PreviewAsync()))!.Message, Does.Contain("has 2 lines"));
        editor.ClearPending();
        editor.Add(EditOperation.Delete("f.txt", 2, 3));
        Assert.That((await Assert.ThrowsAsync<EditPreconditionException>(() => editor.PreviewAsync()))!.Message, Does.Contain("has 2 lines"));
    }

    [Test]
    public void Factories_RejectBadArguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => EditOperation.Insert("f", 0, "x"));
        Assert.Throws<ArgumentOutOfRangeException>(() => EditOperation.Delete("f", 3, 2));
        Assert.Throws<ArgumentException>(() => EditOperation.Replace("f", "", "x"));
        Assert.Throws<ArgumentNullException>(() => EditOperation.Append(null!, "x"));
        Assert.Throws<ArgumentException>(() => new EditBatch("b", []));
    }

    [Test]
    public async Task MaxFileSize_OnRead_RefusesALargerFile()
    {
        using var host = new EditTestHost(fileStore: false, o => o.MaxFileSize = 100);
        host.Write("big.txt", new string('x', 101));
        var editor = await host.Edits.CreateAsync(host.Workspace);
        editor.Add(EditOperation.Append("big.txt", "y"));
        var ex = await Assert.ThrowsAsync<EditPreconditionException>(() => editor.PreviewAsync());
        Assert.That(ex!.Path, Is.EqualTo("big.txt"));
        Assert.That(ex.Message, Does.Contain("101 bytes").And.Contain("MaxFileSize"));
    }

    [Test]
    public async Task MaxFileSize_OnResult_RefusesAnEditThatGrowsPastIt()
    {
        using var host = new EditTestHost(fileStore: false, o => o.MaxFileSize = 100);
        host.Write("f.txt", new string('x', 90));
        var editor = await host.Edits.CreateAsync(host.Workspace);
        editor.Add(EditOperation.Append("f.txt", new string('y', 20)));
        var ex = await Assert.ThrowsAsync<EditPreconditionException>(() => editor.ApplyAsync());
        Assert.That(ex!.Message, Does.Contain("110 bytes"));
        Assert.That(host.Read("f.txt"), Has.Length.EqualTo(90));
    }

    [Test]
    public async Task BinaryFile_IsRefusedUnlessAllowed()
    {
        byte[] binary = [0x89, 0x50, 0x4E, 0x47, 0x00, 0x01, 0xFF, 0x41];
        _host.WriteBytes("image.png", binary);
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        editor.Add(EditOperation.Replace("image.png", "A", "B"));
        var ex = await Assert.ThrowsAsync<EditPreconditionException>(() => editor.ApplyAsync());
        Assert.That(ex!.Message, Does.Contain("binary").And.Contain("AllowBinaryFiles"));
        Assert.That(_host.ReadBytes("image.png"), Is.EqualTo(binary));

        using var allowed = new EditTestHost(fileStore: false, o => o.AllowBinaryFiles = true);
        allowed.WriteBytes("image.png", binary);
        var editor2 = await allowed.Edits.CreateAsync(allowed.Workspace);
        editor2.Add(EditOperation.Replace("image.png", "A", "B"));
        await editor2.ApplyAsync();
        Assert.That(allowed.ReadBytes("image.png"), Is.EqualTo(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x00, 0x01, 0xFF, 0x42 }), "every other byte kept");
    }

    [Test]
    public async Task InvalidUtf8WithoutNul_IsTreatedAsBinary()
    {
        _host.WriteBytes("latin1.txt", [0x63, 0x61, 0x66, 0xE9, 0x0A]);
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        editor.Add(EditOperation.Append("latin1.txt", "x"));
        await Assert.ThrowsAsync<EditPreconditionException>(() => editor.PreviewAsync());
    }

    [Test]
    public async Task CrlfFile_KeepsCrlf_AndMatchesLfOperations()
    {
        _host.WriteBytes("win.txt", Encoding.UTF8.GetBytes("line one\r\nline two\r\n"));
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        editor.Add(EditOperation.Replace("win.txt", "one\nline", "1\nline"), EditOperation.Insert("win.txt", 2, "inserted\n"), EditOperation.Append("win.txt", "end\n"));
        await editor.ApplyAsync();
        Assert.That(Encoding.UTF8.GetString(_host.ReadBytes("win.txt")), Is.EqualTo("line 1\r\ninserted\r\nline two\r\nend\r\n"));
    }

    [Test]
    public async Task LfFile_StaysLf()
    {
        _host.Write("unix.txt", "a\nb\n");
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        editor.Add(EditOperation.Insert("unix.txt", 2, "x\n"));
        await editor.ApplyAsync();
        Assert.That(_host.Read("unix.txt"), Is.EqualTo("a\nx\nb\n"));
    }

    [Test]
    public async Task MixedLineEndings_AreLeftAsTheyAre()
    {
        _host.WriteBytes("mixed.txt", Encoding.UTF8.GetBytes("a\r\nb\nc\r\n"));
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        editor.Add(EditOperation.Replace("mixed.txt", "b", "B"));
        await editor.ApplyAsync();
        Assert.That(Encoding.UTF8.GetString(_host.ReadBytes("mixed.txt")), Is.EqualTo("a\r\nB\nc\r\n"));
    }

    [Test]
    public async Task Utf8Bom_IsKept_AndPrependGoesAfterIt()
    {
        _host.WriteBytes("bom.cs", [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("class A {}\r\n")]);
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        editor.Add(EditOperation.Prepend("bom.cs", "// é\n"));
        await editor.ApplyAsync();
        Assert.That(_host.ReadBytes("bom.cs"), Is.EqualTo(new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes("// é\r\nclass A {}\r\n")).ToArray()));
    }

    [Test]
    public async Task Utf16File_KeepsItsEncodingAndBom()
    {
        var encoding = new UnicodeEncoding(bigEndian: false, byteOrderMark: true);
        _host.WriteBytes("u16.txt", [.. encoding.GetPreamble(), .. encoding.GetBytes("héllo\r\n")]);
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        editor.Add(EditOperation.Replace("u16.txt", "héllo", "wörld"));
        await editor.ApplyAsync();
        Assert.That(_host.ReadBytes("u16.txt"), Is.EqualTo(encoding.GetPreamble().Concat(encoding.GetBytes("wörld\r\n")).ToArray()));
    }

    [Test]
    public async Task Apply_KeepsTheFileMode()
    {
        Assume.That(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "Unix file modes only.");
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        _host.Write("run.sh", "echo hi\n");
        File.SetUnixFileMode(_host.PathOf("run.sh"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        editor.Add(EditOperation.Replace("run.sh", "hi", "bye"));
        await editor.ApplyAsync();
        Assert.That(File.GetUnixFileMode(_host.PathOf("run.sh")), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
    }
}

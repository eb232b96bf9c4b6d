namespace Sessions.Sdk.Tests;

/// <summary>Preview diffs against golden unified-diff text.</summary>
public sealed class EditPreviewTests
{
    private EditTestHost _host = null!;

    [SetUp]
    public void SetUp() => _host = new EditTestHost(fileStore: false);

    [TearDown]
    public void TearDown() => _host.Dispose();

    [Test]
    public async Task PreviewAsync_ModifiedFile_MatchesGoldenDiff()
    {
        _host.Write("src/main.py", "import sys\n\ndef hello():\n    print('hi')\n\n\n\n\n\n\n\n\nhello()\n");
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        editor.Add(EditOperation.Replace("src/main.py", "def hello():", "def hello_world():"), EditOperation.Replace("src/main.py", "hello()\n", "hello_world()\n"), EditOperation.Insert("src/main.py", 2, "import os\n"));
        var preview = await editor.PreviewAsync();
        Assert.That(preview.Files, Has.Count.EqualTo(1));
        var file = preview.Files[0];
        Assert.That(file.Path, Is.EqualTo("src/main.py"));
        Assert.That(file.Change, Is.EqualTo(EditFileChange.Modify));
        const string golden =
            "--- a/src/main.py\n+++ b/src/main.py\n" +
            "@@ -1,6 +1,7 @@\n import sys\n+import os\n \n-def hello():\n+def hello_world():\n     print('hi')\n \n \n" +
            "@@ -10,4 +11,4 @@\n \n \n \n-hello()\n+hello_world()\n";
        Assert.That(file.Diff, Is.EqualTo(golden));
        Assert.That(file.LinesAdded, Is.EqualTo(3));
        Assert.That(file.LinesRemoved, Is.EqualTo(2));
        Assert.That(preview.LinesAdded, Is.EqualTo(3));
        Assert.That(preview.Diff, Is.EqualTo(file.Diff));
        Assert.That(file.ContentHash, Has.Length.EqualTo(64));
        Assert.That(_host.Read("src/main.py"), Does.Contain("def hello():"), "a preview writes nothing");
    }

    [Test]
    public async Task PreviewAsync_CreateDeleteAndMissingFinalBreak_MatchGoldenDiffs()
    {
        _host.Write("old.txt", "a\nb");
        _host.Write("edit.txt", "x\ny");
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        editor.Add(EditOperation.CreateFile("new.txt", "one\ntwo\n"), EditOperation.DeleteFile("old.txt"), EditOperation.Append("edit.txt", "\n"));
        var preview = await editor.PreviewAsync();
        Assert.That(preview.Files.Select(f => f.Change), Is.EqualTo(new[] { EditFileChange.Create, EditFileChange.Delete, EditFileChange.Modify }));
        Assert.That(preview.Files[0].Diff, Is.EqualTo("--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1,2 @@\n+one\n+two\n"));
        Assert.That(preview.Files[1].Diff, Is.EqualTo("--- a/old.txt\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-a\n-b\n\\ No newline at end of file\n"));
        Assert.That(preview.Files[2].Diff, Is.EqualTo("--- a/edit.txt\n+++ b/edit.txt\n@@ -1,2 +1,2 @@\n x\n-y\n\\ No newline at end of file\n+y\n"));
        Assert.That(preview.LinesAdded, Is.EqualTo(3));
        Assert.That(preview.LinesRemoved, Is.EqualTo(3));
    }

    [Test]
    public async Task PreviewAsync_CrlfFile_ShowsLinesWithoutCarriageReturns()
    {
        _host.Write("w.txt", "a\r\nb\r\n");
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        editor.Add(EditOperation.Replace("w.txt", "b", "c"));
        var preview = await editor.PreviewAsync();
        Assert.That(preview.Files[0].Diff, Is.EqualTo("--- a/w.txt\n+++ b/w.txt\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n"));
    }

    [Test]
    public async Task PreviewAsync_NothingPending_Throws()
    {
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        Assert.That((await Assert.ThrowsAsync<InvalidOperationException>(() => editor.PreviewAsync()))!.Message, Does.Contain("No operation is pending"));
    }

    [Test]
    public async Task ApplyAsync_FileChangedAfterPreview_IsAConflictNamingTheFile()
    {
        _host.Write("a.txt", "alpha\n");
        _host.Write("b.txt", "beta\n");
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        editor.Add(EditOperation.Replace("a.txt", "alpha", "ALPHA"), EditOperation.Replace("b.txt", "beta", "BETA"));
        await editor.PreviewAsync();
        _host.Write("b.txt", "beta\nchanged by someone else\n");
        var ex = await Assert.ThrowsAsync<EditConflictException>(() => editor.ApplyAsync());
        Assert.That(ex!.Path, Is.EqualTo("b.txt"));
        Assert.That(ex.Message, Does.Contain("b.txt").And.Contain("previewed"));
        Assert.That(_host.Read("a.txt"), Is.EqualTo("alpha\n"), "no file is written");
        Assert.That(_host.Read("b.txt"), Is.EqualTo("beta\nchanged by someone else\n"), "the other change is not overwritten");
        Assert.That(editor.PendingOperations, Has.Count.EqualTo(2), "the operations stay pending");

        await editor.PreviewAsync();
        await editor.ApplyAsync();
        Assert.That(_host.Read("b.txt"), Is.EqualTo("BETA\nchanged by someone else\n"));
    }

    [Test]
    public async Task ApplyAsync_PendingChangedAfterPreview_TakesNewHashes()
    {
        _host.Write("a.txt", "alpha\n");
        var editor = await _host.Edits.CreateAsync(_host.Workspace);
        editor.Add(EditOperation.Replace("a.txt", "alpha", "ALPHA"));
        await editor.PreviewAsync();
        editor.Add(EditOperation.Append("a.txt", "more\n"));
        await editor.ApplyAsync();
        Assert.That(_host.Read("a.txt"), Is.EqualTo("ALPHA\nmore\n"));
        Assert.That(editor.PendingOperations, Is.Empty);
    }
}

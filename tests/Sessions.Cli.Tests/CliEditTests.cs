using System.Text.Json;

namespace Sessions.Cli.Tests;

/// <summary>`sessions edit …` run as a process against a loopback OpenAI-protocol server that proposes edit operations.</summary>
[NonParallelizable]
public sealed class CliEditTests
{
    private const string Original = "import sys\n\ndef hello():\n    print('hi')\n\nhello()\n";

    private string _root = null!;
    private string _workspace = null!;
    private string _mainPy = null!;
    private FakeOpenAIServer _server = null!;
    private CliRunner _cli = null!;
    private const string RenameProposal = """{"operations":[{"type":"replace","path":"main.py","oldText":"def hello():","newText":"def greet():"},{"type":"append","path":"main.py","text":"greet()\n"}]}""";

    private string _proposal = RenameProposal;

    [SetUp]
    public void SetUp()
    {
        _proposal = RenameProposal;   // one fixture object serves every test
        _root = Directory.CreateTempSubdirectory("sessions-cli-edit-").FullName;
        _workspace = Path.Combine(_root, "workspace");
        Directory.CreateDirectory(_workspace);
        _mainPy = Path.Combine(_workspace, "main.py");
        File.WriteAllText(_mainPy, Original);
        File.WriteAllText(Path.Combine(_root, "outside.txt"), "outside\n");
        _server = new FakeOpenAIServer { RequestReply = (request, _) => FakeOpenAIServer.SchemaName(request) is null ? null : _proposal };
        _cli = new CliRunner(Path.Combine(_root, "store"));
        _cli.Environment["OPENAI_BASE_URL"] = _server.BaseUrl;
        _cli.Environment["OPENAI_API_KEY"] = "sk-test";
    }

    [TearDown]
    public async Task TearDown()
    {
        await _server.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    private static JsonElement Json(CliResult result)
    {
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        return JsonDocument.Parse(result.Out).RootElement.Clone();
    }

    [Test]
    public async Task Edit_WithYes_ShowsTheDiff_Applies_ThenRollbackRestoresTheExactBytes()
    {
        var applied = await _cli.RunAsync("edit", "Rename hello to greet", "--file", "main.py", "--workspace", _workspace, "--yes");

        Assert.That(applied.ExitCode, Is.Zero, applied.ToString());
        Assert.Multiple(() =>
        {
            Assert.That(applied.Out, Does.Contain("-def hello():").And.Contain("+def greet():"), "a unified diff");
            Assert.That(applied.Out, Does.Contain("@@ "));
            Assert.That(applied.Out, Does.Contain("1 file(s) changed, +2 -1"));
            Assert.That(applied.Out, Does.Not.Contain("\u001b["), "no colours when output is redirected");
            Assert.That(applied.Error, Does.Contain("Applied batch").And.Contain("sessions edit rollback"));
            Assert.That(File.ReadAllText(_mainPy), Is.EqualTo("import sys\n\ndef greet():\n    print('hi')\n\nhello()\ngreet()\n"));
        });
        var sent = _server.Requests[0].GetProperty("messages").EnumerateArray().Last().GetProperty("content").ToString();
        Assert.That(sent, Does.Contain("Rename hello to greet").And.Contain("def hello():"), "the instruction and the file went to the model");

        var rollbackDry = await _cli.RunAsync("edit", "rollback", "--dry-run");
        Assert.That(rollbackDry.ExitCode, Is.Zero, rollbackDry.ToString());
        Assert.That(rollbackDry.Out, Does.Contain("restore main.py"));
        Assert.That(File.ReadAllText(_mainPy), Does.Contain("greet"), "a dry run changes nothing");

        var refused = await _cli.RunAsync("edit", "rollback");
        Assert.That(refused.ExitCode, Is.EqualTo(2), refused.ToString());
        Assert.That(refused.Error, Does.Contain("--yes"));

        var rolledBack = await _cli.RunAsync("edit", "rollback", "--yes");
        Assert.That(rolledBack.ExitCode, Is.Zero, rolledBack.ToString());
        Assert.That(File.ReadAllBytes(_mainPy), Is.EqualTo(System.Text.Encoding.UTF8.GetBytes(Original)));

        var status = Json(await _cli.RunAsync("edit", "status", "--format", "json"));
        Assert.That(status.GetProperty("batches")[0].GetProperty("status").GetString(), Is.EqualTo("rolledBack"));
        Assert.That(status.GetProperty("workspace").GetString(), Is.EqualTo(_workspace));

        var nothing = await _cli.RunAsync("edit", "rollback", "--yes");
        Assert.That(nothing.ExitCode, Is.EqualTo(1), nothing.ToString());
        Assert.That(nothing.Error, Does.Contain("no applied batch"));
    }

    [Test]
    public async Task Edit_DryRun_WritesNothing_TheProposalStaysPending_PreviewAndApplyInLaterProcesses()
    {
        var dry = Json(await _cli.RunAsync("edit", "Rename hello to greet", "-f", "main.py", "-w", _workspace, "--dry-run", "--format", "json"));

        Assert.Multiple(() =>
        {
            Assert.That(File.ReadAllText(_mainPy), Is.EqualTo(Original), "a dry run writes nothing");
            Assert.That(dry.GetProperty("pending").GetArrayLength(), Is.EqualTo(2));
            Assert.That(dry.GetProperty("preview").GetProperty("files")[0].GetProperty("path").GetString(), Is.EqualTo("main.py"));
            Assert.That(dry.GetProperty("preview").GetProperty("files")[0].GetProperty("diff").GetString(), Does.Contain("+def greet():"));
            Assert.That(dry.TryGetProperty("applied", out _), Is.False);
        });

        string id = dry.GetProperty("sessionId").GetString()!;
        var preview = await _cli.RunAsync("edit", "preview", id);
        Assert.That(preview.ExitCode, Is.Zero, preview.ToString());
        Assert.That(preview.Out, Does.Contain("+def greet():"), "the proposal was stored with the session");

        var apply = Json(await _cli.RunAsync("edit", "apply", id, "--yes", "--format", "json"));
        Assert.That(apply.GetProperty("applied").GetProperty("status").GetString(), Is.EqualTo("applied"));
        Assert.That(File.ReadAllText(_mainPy), Does.Contain("def greet():"));
        Assert.That(_server.Requests, Has.Count.EqualTo(1), "preview and apply do not call the model");

        var empty = await _cli.RunAsync("edit", "preview", id);
        Assert.That(empty.ExitCode, Is.EqualTo(1), empty.ToString());
        Assert.That(empty.Error, Does.Contain("no pending edits"));
    }

    [Test]
    public async Task Edit_Confirmation_NoKeepsTheFile_YesApplies()
    {
        var no = await _cli.RunWithInputAsync("n\n", "edit", "Rename hello", "-f", "main.py", "-w", _workspace, "-i");
        Assert.That(no.ExitCode, Is.EqualTo(1), no.ToString());
        Assert.That(no.Error, Does.Contain("Apply these changes to 1 file(s)? [y/N]:").And.Contain("Not applied"));
        Assert.That(File.ReadAllText(_mainPy), Is.EqualTo(Original));

        var yes = await _cli.RunWithInputAsync("y\n", "edit", "Rename hello", "-f", "main.py", "-w", _workspace, "-i");
        Assert.That(yes.ExitCode, Is.Zero, yes.ToString());
        Assert.That(File.ReadAllText(_mainPy), Does.Contain("def greet():"));
    }

    [Test]
    public async Task Edit_AutoApply_AppliesWithoutAsking_InTheCurrentDirectoryByDefault()
    {
        _cli.WorkingDirectory = _workspace;
        var result = await _cli.RunAsync("edit", "Rename hello", "--file", "main.py", "--auto-apply");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(File.ReadAllText(_mainPy), Does.Contain("def greet():"));
    }

    [Test]
    public async Task Edit_WithoutYes_WithoutATerminal_IsAUsageError_AndStoresNothing()
    {
        var result = await _cli.RunAsync("edit", "Rename hello", "--file", "main.py", "--workspace", _workspace);

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Error.Trim().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(result.Error, Does.Contain("--yes").And.Contain("--dry-run"));
        Assert.That(_server.Requests, Is.Empty);
        Assert.That(Json(await _cli.RunAsync("list", "--format", "json")).GetArrayLength(), Is.Zero);
        Assert.That(File.ReadAllText(_mainPy), Is.EqualTo(Original));
    }

    [Test]
    public async Task Edit_Sandbox_AFileOutsideTheWorkspace_IsRefused_AndNothingOutsideChanges()
    {
        var named = await _cli.RunAsync("edit", "Change it", "--file", "../outside.txt", "--workspace", _workspace, "--yes");
        _proposal = """{"operations":[{"type":"append","path":"../outside.txt","text":"pwned\n"}]}""";
        var proposed = await _cli.RunAsync("edit", "Change it", "--workspace", _workspace, "--yes");

        Assert.Multiple(() =>
        {
            Assert.That(named.ExitCode, Is.EqualTo(1), named.ToString());
            Assert.That(named.Error, Does.Contain("outside.txt"));
            Assert.That(named.Error.Trim().Split('\n').Count(l => l.StartsWith("error:", StringComparison.Ordinal)), Is.EqualTo(1));
            Assert.That(proposed.ExitCode, Is.EqualTo(1), proposed.ToString());
            Assert.That(proposed.Error, Does.Contain("error:"));
            Assert.That(File.ReadAllText(Path.Combine(_root, "outside.txt")), Is.EqualTo("outside\n"));
            Assert.That(File.ReadAllText(_mainPy), Is.EqualTo(Original));
        });
    }

    [Test]
    public async Task Edit_Rollback_OfAFileChangedSinceTheBatch_IsAConflict_UnlessForced()
    {
        var applied = await _cli.RunAsync("edit", "Rename hello", "-f", "main.py", "-w", _workspace, "--yes");
        Assert.That(applied.ExitCode, Is.Zero, applied.ToString());
        File.AppendAllText(_mainPy, "# changed by hand\n");

        var conflict = await _cli.RunAsync("edit", "rollback", "--yes");
        Assert.That(conflict.ExitCode, Is.EqualTo(1), conflict.ToString());
        Assert.That(conflict.Error, Does.Contain("main.py"));
        Assert.That(File.ReadAllText(_mainPy), Does.EndWith("# changed by hand\n"), "nothing was restored");

        var forced = await _cli.RunAsync("edit", "rollback", "--yes", "--force");
        Assert.That(forced.ExitCode, Is.Zero, forced.ToString());
        Assert.That(File.ReadAllText(_mainPy), Is.EqualTo(Original));
    }

    [Test]
    public async Task Edit_ErrorPaths_OneLineAndExitCodes()
    {
        var chat = await _cli.RunAsync("chat", "-s", "a-chat", "hello");
        Assert.That(chat.ExitCode, Is.Zero, chat.ToString());

        var noInstruction = await _cli.RunAsync("edit", "--yes");
        var noSession = await _cli.RunAsync("edit", "rollback", "--yes");
        var notEdit = await _cli.RunAsync("edit", "status", "a-chat");
        var missingWorkspace = await _cli.RunAsync("edit", "x", "-w", Path.Combine(_root, "nope"), "--yes");
        var missingFile = await _cli.RunAsync("edit", "x", "-f", "nope.py", "-w", _workspace, "--yes");

        Assert.Multiple(() =>
        {
            Assert.That(noInstruction.ExitCode, Is.EqualTo(2), noInstruction.ToString());
            Assert.That(noSession.ExitCode, Is.EqualTo(1), noSession.ToString());
            Assert.That(noSession.Error, Does.Contain("There is no edit session yet"));
            Assert.That(notEdit.ExitCode, Is.EqualTo(1), notEdit.ToString());
            Assert.That(notEdit.Error, Does.Contain("not an edit session"));
            Assert.That(missingWorkspace.ExitCode, Is.EqualTo(2), missingWorkspace.ToString());
            Assert.That(missingWorkspace.Error, Does.Contain("does not exist"));
            Assert.That(missingFile.ExitCode, Is.EqualTo(1), missingFile.ToString());
            Assert.That(missingFile.Error, Does.Contain("nope.py"));
            foreach (var r in new[] { noInstruction, noSession, notEdit, missingWorkspace, missingFile })
            {
                Assert.That(r.Error, Does.Not.Contain("   at "), "no stack trace without --verbose");
            }
        });
    }

    [Test]
    public async Task Edit_UnderARealPseudoTerminal_ShowsAColouredDiffAndThePrompt()
    {
        string output = await _cli.RunUnderPseudoTerminalAsync($"cd '{_workspace}' && printf 'y\\n' | {CliRunner.ShellCommand} edit 'Rename hello' --file main.py -i");

        Assert.Multiple(() =>
        {
            Assert.That(output, Does.Contain("\u001b[32m+def greet():"), "additions in green");
            Assert.That(output, Does.Contain("\u001b[31m-def hello():"), "removals in red");
            Assert.That(output, Does.Contain("Apply these changes to 1 file(s)? [y/N]:"), "the prompt");
            Assert.That(output, Does.Contain("Applied batch"));
            Assert.That(File.ReadAllText(_mainPy), Does.Contain("def greet():"));
        });
    }

    [Test]
    public async Task Edit_UnderARealPseudoTerminal_WithNoColorSet_HasNoColours()
    {
        string output = await _cli.RunUnderPseudoTerminalAsync($"{CliRunner.ShellCommand} edit 'Rename hello' --file main.py --workspace '{_workspace}' --dry-run", ("NO_COLOR", "1"));

        Assert.That(output, Does.Contain("+def greet():"), output);
        Assert.That(output, Does.Not.Match(@"\u001b\[[0-9;]*m"), "NO_COLOR: no colour codes, even on a terminal");
        Assert.That(File.ReadAllText(_mainPy), Is.EqualTo(Original));
    }
}

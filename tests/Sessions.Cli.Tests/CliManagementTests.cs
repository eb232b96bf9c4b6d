using System.Diagnostics;
using System.Text.Json;

namespace Sessions.Cli.Tests;

/// <summary>The session-management commands run as a process: JSON output parsed, error paths and exit codes.</summary>
[NonParallelizable]
public sealed class CliManagementTests
{
    private string _store = null!;
    private CliRunner _cli = null!;

    [SetUp]
    public void SetUp()
    {
        _store = Directory.CreateTempSubdirectory("sessions-cli-").FullName;
        _cli = new CliRunner(_store);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_store, recursive: true);

    private async Task<CliResult> OkAsync(params string[] args)
    {
        var result = await _cli.RunAsync(args);
        Assert.That(result.ExitCode, Is.Zero, $"sessions {string.Join(' ', args)}\n{result}");
        return result;
    }

    private static JsonElement Json(CliResult result) => JsonDocument.Parse(result.Out).RootElement.Clone();

    [Test]
    public async Task CreateRenameTagMeta_ShowJson_ReflectsEveryChange()
    {
        await OkAsync("create", "alpha", "--title", "First", "--tags", "x,y", "--system", "Be brief.", "--meta", "team=core");
        await OkAsync("rename", "alpha", "Renamed");
        await OkAsync("tag", "alpha", "z");
        await OkAsync("untag", "alpha", "x");
        await OkAsync("meta", "alpha", "priority", "high");
        var value = await OkAsync("meta", "alpha", "priority");

        var session = Json(await OkAsync("show", "alpha", "--format", "json")).GetProperty("session");
        Assert.Multiple(() =>
        {
            Assert.That(value.Out.Trim(), Is.EqualTo("high"));
            Assert.That(session.GetProperty("title").GetString(), Is.EqualTo("Renamed"));
            Assert.That(session.GetProperty("tags").EnumerateArray().Select(t => t.GetString()), Is.EquivalentTo(new[] { "y", "z" }));
            Assert.That(session.GetProperty("metadata").GetProperty("team").GetString(), Is.EqualTo("core"));
            Assert.That(session.GetProperty("metadata").GetProperty("priority").GetString(), Is.EqualTo("high"));
            Assert.That(session.GetProperty("systemPrompt").GetString(), Is.EqualTo("Be brief."));
        });

        await OkAsync("meta", "alpha", "priority", "--remove");
        var missing = await _cli.RunAsync("meta", "alpha", "priority");
        Assert.That(missing.ExitCode, Is.EqualTo(1));
        Assert.That(missing.Error, Does.Contain("no metadata key 'priority'"));
    }

    [Test]
    public async Task ListAndShowJson_EscapeOnlyWhatJsonRequires_AndEveryStringRoundTrips()
    {
        // Quotes, backslashes and control characters must be escaped; accents, CJK, emoji and HTML-sensitive characters are
        // written as themselves (the tool's own encoder, not the built-in one that escapes all non-ASCII).
        const string title = "Caf\u00e9 \"quoted\" back\\slash tab\tnew\nline bell\u0007 <b>&amp;</b> \u65e5\u672c \U0001F600 \u2028";
        const string system = "R\u00e8gle: r\u00e9ponds \"bri\u00e8vement\" \u2014 \u00fcber <tags> & 'quotes'";
        await OkAsync("create", "esc", "--title", title, "--system", system, "--meta", "note=line1\nline2");

        var list = await OkAsync("list", "--format", "JSON"); // format names in any case
        var show = await OkAsync("show", "esc", "--format", "json");
        var listed = Json(list).EnumerateArray().Single();
        var session = Json(show).GetProperty("session");
        Assert.Multiple(() =>
        {
            Assert.That(listed.GetProperty("title").GetString(), Is.EqualTo(title));
            Assert.That(session.GetProperty("title").GetString(), Is.EqualTo(title));
            Assert.That(session.GetProperty("systemPrompt").GetString(), Is.EqualTo(system));
            Assert.That(session.GetProperty("metadata").GetProperty("note").GetString(), Is.EqualTo("line1\nline2"));
            Assert.That(list.Out, Does.Contain("Caf\u00e9").And.Contain("\u65e5\u672c").And.Contain("\U0001F600").And.Contain("<b>&amp;</b>"));
            Assert.That(list.Out, Does.Contain("\\\"quoted\\\"").And.Contain("back\\\\slash").And.Contain("tab\\tnew\\nline").And.Contain("bell\\u0007"));
            Assert.That(list.Out, Does.Not.Contain("\\u00E9").And.Not.Contain("\\u003C"));
        });
    }

    [Test]
    public async Task ListTable_AlignsColumnsByDisplayWidth_AndKeepsEachSessionOnOneLine()
    {
        await OkAsync("create", "wide", "--title", "\u65e5\u672c\u8a9e\u306e\u30bf\u30a4\u30c8\u30eb", "--tags", "cjk");
        await OkAsync("create", "plain", "--title", "Plain title", "--tags", "a,b");
        await OkAsync("create", "lines", "--title", "first\nsecond", "--kind", "plan");

        var lines = (await OkAsync("list")).Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        // Wide characters take two terminal columns: the Kind column starts at the same display column on every line.
        static int Column(string line, string text)
        {
            int index = line.IndexOf(text, StringComparison.Ordinal);
            Assert.That(index, Is.GreaterThanOrEqualTo(0), $"'{text}' in '{line}'");
            return line[..index].Sum(c => c is >= '\u3040' and <= '\u9fff' ? 2 : 1);
        }

        Assert.Multiple(() =>
        {
            Assert.That(lines, Has.Length.EqualTo(5), "a header, a rule and one line per session");
            Assert.That(lines[0], Does.StartWith("ID").And.Contain("Title").And.Contain("Messages"));
            Assert.That(lines[1].Trim(), Does.Match("^[─ ]+$"));
            int kind = Column(lines[0], "Kind");
            Assert.That(Column(lines.Single(l => l.StartsWith("wide", StringComparison.Ordinal)), "chat"), Is.EqualTo(kind));
            Assert.That(Column(lines.Single(l => l.StartsWith("plain", StringComparison.Ordinal)), "chat"), Is.EqualTo(kind));
            Assert.That(Column(lines.Single(l => l.StartsWith("lines", StringComparison.Ordinal)), "plan"), Is.EqualTo(kind));
            Assert.That(lines.Single(l => l.StartsWith("lines", StringComparison.Ordinal)), Does.Contain("first second"));
        });
    }

    [Test]
    public async Task List_FiltersSortsAndLimits_AsJson()
    {
        await OkAsync("create", "a", "--title", "Banana", "--tags", "fruit");
        await OkAsync("create", "b", "--title", "Apple", "--tags", "fruit");
        await OkAsync("create", "c", "--title", "Carrot", "--kind", "plan");

        var byTitle = Json(await OkAsync("list", "--sort", "title", "--format", "json")).EnumerateArray().Select(s => s.GetProperty("title").GetString()).ToList();
        var reversed = Json(await OkAsync("list", "--sort", "title", "--reverse", "--format", "json")).EnumerateArray().Select(s => s.GetProperty("title").GetString()).ToList();
        var fruit = Json(await OkAsync("list", "--tag", "fruit", "--format", "json")).EnumerateArray().Select(s => s.GetProperty("id").GetString()).ToList();
        var plans = Json(await OkAsync("list", "--kind", "plan", "--format", "json")).EnumerateArray().Select(s => s.GetProperty("id").GetString()).ToList();
        var limited = Json(await OkAsync("list", "-n", "2", "--format", "json")).GetArrayLength();
        var future = Json(await OkAsync("list", "--since", "2999-01-01", "--format", "json")).GetArrayLength();

        Assert.Multiple(() =>
        {
            Assert.That(byTitle, Is.EqualTo(new[] { "Apple", "Banana", "Carrot" }));
            Assert.That(reversed, Is.EqualTo(new[] { "Carrot", "Banana", "Apple" }));
            Assert.That(fruit, Is.EquivalentTo(new[] { "a", "b" }));
            Assert.That(plans, Is.EqualTo(new[] { "c" }));
            Assert.That(limited, Is.EqualTo(2));
            Assert.That(future, Is.Zero);
        });
    }

    [Test]
    public async Task List_Table_ShowsRelativeTimes_AndNoColoursWhenRedirected()
    {
        await OkAsync("create", "t1", "--title", "Table row");

        var table = await OkAsync("list");

        Assert.That(table.Out, Does.Contain("Table row").And.Contain("just now"));
        Assert.That(table.Out, Does.Not.Contain("\u001b["), "no escape codes when output is redirected");
    }

    [Test]
    public async Task Branch_CopiesUpToAMessage_AndSearchFindsIt()
    {
        await OkAsync("create", "src", "--title", "Source");
        var server = new FakeOpenAIServer();
        await using (server)
        {
            _cli.Environment["OPENAI_BASE_URL"] = server.BaseUrl;
            await OkAsync("chat", "-s", "src", "the zebra question");
            await OkAsync("chat", "-s", "src", "another thing");
        }

        var branchId = (await OkAsync("branch", "src", "--at", "2", "--id", "src-b")).Out.Trim();
        var branch = Json(await OkAsync("show", "src-b", "--format", "json"));
        var hits = Json(await OkAsync("search", "zebra", "--format", "json")).EnumerateArray().ToList();

        Assert.Multiple(() =>
        {
            Assert.That(branchId, Is.EqualTo("src-b"));
            Assert.That(branch.GetProperty("messages").GetArrayLength(), Is.EqualTo(2));
            Assert.That(branch.GetProperty("session").GetProperty("parentSessionId").GetString(), Is.EqualTo("src"));
            Assert.That(hits.Select(h => h.GetProperty("sessionId").GetString()), Is.SupersetOf(new[] { "src", "src-b" }));
            Assert.That(hits[0].GetProperty("snippet").GetString(), Does.Contain("[zebra]"));
        });
    }

    [Test]
    public async Task Show_PrefixAndPaging_AndStatsJson()
    {
        await OkAsync("create", "conversation-2026-one", "--title", "Long id");
        var byPrefix = Json(await OkAsync("show", "conversation-2026", "--format", "json"));
        var stats = Json(await OkAsync("stats", "--format", "json"));

        Assert.Multiple(() =>
        {
            Assert.That(byPrefix.GetProperty("session").GetProperty("id").GetString(), Is.EqualTo("conversation-2026-one"));
            Assert.That(stats.GetProperty("sessionCount").GetInt64(), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Errors_MissingSession_SuggestsCloseIds_ExitOne()
    {
        await OkAsync("create", "release-notes");

        var result = await _cli.RunAsync("show", "relase-notes");

        Assert.That(result.ExitCode, Is.EqualTo(1));
        Assert.That(result.Error.Trim(), Is.EqualTo("error: Session 'relase-notes' was not found. Did you mean 'release-notes'?"));
    }

    [Test]
    public async Task Errors_AmbiguousPrefix_NamesTheCandidates()
    {
        await OkAsync("create", "dup-1");
        await OkAsync("create", "dup-2");

        var result = await _cli.RunAsync("show", "dup");

        Assert.That(result.ExitCode, Is.EqualTo(1));
        Assert.That(result.Error, Does.Contain("matches 2 sessions").And.Contain("dup-1").And.Contain("dup-2"));
    }

    [TestCase(new[] { "list", "--bogus" }, "Unrecognized command or argument '--bogus'")]
    [TestCase(new[] { "list", "--format", "xml" }, "Unknown format 'xml'")]
    [TestCase(new[] { "list", "--sort", "size" }, "size")]
    [TestCase(new[] { "list", "--since", "yesterdayish" }, "--since: 'yesterdayish' is not a date")]
    [TestCase(new[] { "show" }, "Required argument 'id' missing")]
    [TestCase(new[] { "delete" }, "Name the sessions to delete")]
    [TestCase(new[] { "nosuchcommand" }, "Unrecognized command or argument 'nosuchcommand'")]
    public async Task Errors_UsageMistakes_ExitTwo_WithOneClearMessage(string[] args, string expected)
    {
        var result = await _cli.RunAsync(args);

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Error, Does.Contain(expected));
        Assert.That(result.Error, Does.Not.Contain("   at "));
    }

    [Test]
    public async Task Delete_RedirectedInputWithoutYes_RefusesAndKeepsTheSession()
    {
        await OkAsync("create", "keep");

        var result = await _cli.RunAsync("delete", "keep", "--permanent");

        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.Error, Does.Contain("--yes"));
        Assert.That(Json(await OkAsync("list", "--format", "json")).GetArrayLength(), Is.EqualTo(1));
    }

    [Test]
    public async Task Delete_DryRunChangesNothing_ThenYesDeletes()
    {
        await OkAsync("create", "old-1");
        await OkAsync("create", "old-2");

        var dry = await OkAsync("delete", "--all", "--permanent", "--dry-run");
        Assert.That(dry.Out, Does.Contain("would delete old-1").And.Contain("would delete old-2"));
        Assert.That(Json(await OkAsync("list", "--format", "json")).GetArrayLength(), Is.EqualTo(2));

        await OkAsync("delete", "old-1", "--permanent", "--yes");
        var left = Json(await OkAsync("list", "--format", "json")).EnumerateArray().Select(s => s.GetProperty("id").GetString());
        Assert.That(left, Is.EqualTo(new[] { "old-2" }));
    }

    [Test]
    public async Task Store_Sqlite_WorksThroughTheStoreOption()
    {
        string db = Path.Combine(_store, "s.db");
        _cli.Environment["SESSIONS_STORE"] = $"sqlite:{db}";
        await OkAsync("create", "in-sqlite", "--title", "SQL");

        var listed = Json(await OkAsync("list", "--format", "json"));

        Assert.That(listed.EnumerateArray().Single().GetProperty("id").GetString(), Is.EqualTo("in-sqlite"));
        Assert.That(File.Exists(db), Is.True);
    }

    [Test]
    public async Task Store_PostgresWithoutConnectionString_NamesTheVariable()
    {
        _cli.Environment["SESSIONS_POSTGRES"] = null;

        var result = await _cli.RunAsync("--store", "postgres", "list");

        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.Error, Does.Contain("SESSIONS_POSTGRES"));
    }

    [Test]
    public async Task Terminal_UnderARealPseudoTerminal_ShowsColouredPromptAndTable()
    {
        if (!File.Exists("/usr/bin/script"))
        {
            Assert.Ignore("util-linux 'script' is not installed; the pseudo-terminal test needs it.");
        }

        await OkAsync("create", "tty", "--title", "On a terminal");
        string longTitle = string.Concat(Enumerable.Repeat("0123456789", 8)); // 80 columns: cut to 60 on a terminal
        await OkAsync("create", "long", "--title", longTitle);
        var server = new FakeOpenAIServer();
        await using var _ = server;
        string command = $"{CliRunner.ShellCommand} list; printf 'hello tty\\n/exit\\n' | {CliRunner.ShellCommand} chat -i -s tty";
        var start = new ProcessStartInfo("/usr/bin/script", ["-qfec", command, "/dev/null"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.Environment["SESSIONS_STORE"] = _store;
        start.Environment["OPENAI_BASE_URL"] = server.BaseUrl;
        start.Environment["OPENAI_API_KEY"] = "sk-test";
        start.Environment["TERM"] = "xterm-256color";
        start.Environment.Remove("NO_COLOR");
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        string output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.Multiple(() =>
        {
            Assert.That(output, Does.Contain("On a terminal"));
            Assert.That(output, Does.Contain("\u001b["), "colours on a terminal");
            Assert.That(output, Does.Contain("╭").Or.Contain("│"), "a rounded table border on a terminal");
            Assert.That(output, Does.Contain("\u001b[1mID"), "a bold header on a terminal");
            Assert.That(output, Does.Contain(longTitle[..59] + "…").And.Not.Contain(longTitle), "a cell over 60 columns is cut with an ellipsis");
            Assert.That(output, Does.Contain("you>"), "the prompt");
            Assert.That(output, Does.Contain("echo: hello tty"));
        });
    }
}

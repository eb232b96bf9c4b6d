using System.Text.Json;

namespace Sessions.Cli.Tests;

/// <summary>export/import/trash/merge/delete run as a process; JSON output parsed by the test.</summary>
[NonParallelizable]
public sealed class CliTransferTests
{
    private string _store = null!;
    private CliRunner _cli = null!;

    [SetUp]
    public void SetUp()
    {
        _store = Directory.CreateTempSubdirectory("sessions-cli-").FullName;
        _cli = new CliRunner(Path.Combine(_store, "a"));
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_store, recursive: true);

    private async Task<CliResult> OkAsync(params string[] args)
    {
        var result = await _cli.RunAsync(args);
        Assert.That(result.ExitCode, Is.Zero, $"sessions {string.Join(' ', args)}\n{result}");
        return result;
    }

    private async Task SeedAsync(string id, params string[] messages)
    {
        await using var server = new FakeOpenAIServer();
        _cli.Environment["OPENAI_BASE_URL"] = server.BaseUrl;
        _cli.Environment["OPENAI_API_KEY"] = "sk-test";
        foreach (var m in messages) await OkAsync("chat", "-s", id, m);
        _cli.Environment["OPENAI_BASE_URL"] = null;
        _cli.Environment["OPENAI_API_KEY"] = null;
    }

    [Test]
    public async Task ExportThenImport_IntoAnotherStore_RoundTripsTheMessages()
    {
        await SeedAsync("src", "first question", "second question");
        string file = Path.Combine(_store, "src.json");
        await OkAsync("export", "src", "-o", file);

        var other = new CliRunner(Path.Combine(_store, "b"));
        var imported = await other.RunAsync("import", "-i", file, "--format", "json");
        Assert.That(imported.ExitCode, Is.Zero, imported.ToString());
        var created = JsonDocument.Parse(imported.Out).RootElement.GetProperty("imported").EnumerateArray().Single();
        var shown = await other.RunAsync("show", created.GetProperty("id").GetString()!, "--format", "json");

        var texts = JsonDocument.Parse(shown.Out).RootElement.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("text").GetString());
        Assert.That(texts, Is.EqualTo(new[] { "first question", "echo: first question", "second question", "echo: second question" }));
        Assert.That(created.GetProperty("id").GetString(), Is.EqualTo("src"));
    }

    [Test]
    public async Task Export_Markdown_AndAllAsBundle()
    {
        await SeedAsync("one", "alpha");
        await SeedAsync("two", "beta");

        var markdown = await OkAsync("export", "one", "--format", "markdown");
        var bundle = await OkAsync("export", "--all");

        Assert.That(markdown.Out, Does.Contain("alpha").And.Contain("echo: alpha"));
        var doc = JsonDocument.Parse(bundle.Out).RootElement;
        Assert.That(doc.GetProperty("sessions").GetArrayLength(), Is.EqualTo(2));
    }

    [Test]
    public async Task Import_BadDocument_ExitOne_NamesTheField_AndStoresNothing()
    {
        string file = Path.Combine(_store, "bad.json");
        await File.WriteAllTextAsync(file, """{"format":"sessions.sdk/session","schemaVersion":1,"session":{"id":"x"},"messages":[{"v":1,"seq":1,"ts":"2026-01-01T00:00:00Z","msg":{"role":42}}]}""");

        var result = await _cli.RunAsync("import", "-i", file);
        var list = await OkAsync("list", "--all", "--format", "json");

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Error, Does.Contain("at 'session.createdAt'"), "the path of the bad field");
        Assert.That(JsonDocument.Parse(list.Out).RootElement.GetArrayLength(), Is.Zero);
    }

    [Test]
    public async Task Delete_ToTrash_ThenRestore_ThenPurge()
    {
        await OkAsync("create", "t1", "--title", "Trash me");

        await OkAsync("delete", "t1", "--yes");
        var listed = JsonDocument.Parse((await OkAsync("list", "--all", "--format", "json")).Out).RootElement.GetArrayLength();
        var trash = JsonDocument.Parse((await OkAsync("trash", "list", "--format", "json")).Out).RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(listed, Is.Zero, "a trashed session is not listed");
            Assert.That(trash.EnumerateArray().Single().GetProperty("session").GetProperty("id").GetString(), Is.EqualTo("t1"));
        });

        await OkAsync("trash", "restore", "t1");
        Assert.That(JsonDocument.Parse((await OkAsync("list", "--all", "--format", "json")).Out).RootElement.GetArrayLength(), Is.EqualTo(1));

        await OkAsync("delete", "t1", "--yes");
        await OkAsync("trash", "purge", "t1", "--yes");
        var again = await _cli.RunAsync("trash", "restore", "t1");
        Assert.That(again.ExitCode, Is.EqualTo(1));
        Assert.That(again.Error, Does.Contain("not in the trash"));
    }

    [Test]
    public async Task Merge_NewSessionHoldsBothSources()
    {
        await SeedAsync("m1", "from one");
        await SeedAsync("m2", "from two");

        await OkAsync("merge", "m1", "m2", "--id", "both");
        var shown = JsonDocument.Parse((await OkAsync("show", "both", "--format", "json")).Out).RootElement;

        Assert.That(shown.GetProperty("messages").GetArrayLength(), Is.EqualTo(4));
        Assert.That(shown.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("text").GetString()),
            Is.EqualTo(new[] { "from one", "echo: from one", "from two", "echo: from two" }));
    }

    [Test]
    public async Task Stats_AcrossSessions_AsJson()
    {
        await SeedAsync("s1", "a", "b");
        await SeedAsync("s2", "c");

        var stats = JsonDocument.Parse((await OkAsync("stats", "--format", "json")).Out).RootElement;

        Assert.Multiple(() =>
        {
            Assert.That(stats.GetProperty("sessionCount").GetInt64(), Is.EqualTo(2));
            Assert.That(stats.GetProperty("messageCount").GetInt64(), Is.EqualTo(6));
            Assert.That(stats.GetProperty("mostActive")[0].GetString(), Is.EqualTo("s1"));
        });
    }
}

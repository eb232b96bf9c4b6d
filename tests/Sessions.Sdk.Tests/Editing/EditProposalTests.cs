using System.Text.Json;
using Microsoft.Extensions.AI;
using Sessions.Sdk.Testing;

namespace Sessions.Sdk.Tests;

/// <summary>Model proposals through the scripted fake client: the schema, one repair round, pending until applied, AutoApply.</summary>
public sealed class EditProposalTests
{
    private const string Valid = """{"operations":[{"type":"replace","path":"src/main.py","oldText":"def hello():","newText":"def hello_world():"},{"type":"replace","path":"src/main.py","oldText":"hello()\n","newText":"hello_world()\n"}]}""";

    [Test]
    public async Task ProposeAsync_ValidAnswer_SendsFilesAndSchema_AndLeavesOperationsPending()
    {
        using var host = NewHost();
        host.Client.EnqueueText(Valid);
        var editor = await host.Edits.CreateAsync(host.Workspace);
        var proposed = await editor.ProposeAsync("Rename hello to hello_world everywhere", ["src/main.py"]);

        Assert.That(proposed, Has.Count.EqualTo(2));
        Assert.That(proposed[0].Kind, Is.EqualTo(EditOperationKind.Replace));
        Assert.That(proposed[0].OldText, Is.EqualTo("def hello():"));
        Assert.That(editor.PendingOperations, Has.Count.EqualTo(2));
        Assert.That(host.Read("src/main.py"), Does.Contain("def hello():"), "pending until applied");

        var request = host.Client.LastRequest;
        Assert.That(request.LastMessageText, Does.Contain("Rename hello to hello_world everywhere").And.Contain("File: src/main.py").And.Contain("print('hi')"));
        var format = request.Options!.ResponseFormat as ChatResponseFormatJson;
        Assert.That(format, Is.Not.Null);
        Assert.That(format!.SchemaName, Is.EqualTo(EditProposalSchema.Name));
        Assert.That(format.Schema!.Value.GetRawText(), Is.EqualTo(EditProposalSchema.Schema.GetRawText()));
        Assert.That(request.Messages.Any(m => SessionStateContent.IsStateMessage(m)), Is.False, "state events never reach the model");

        var preview = await editor.PreviewAsync();
        Assert.That(preview.Files[0].LinesAdded, Is.EqualTo(2));
        await editor.ApplyAsync();
        Assert.That(host.Read("src/main.py"), Is.EqualTo("def hello_world():\n    print('hi')\n\nhello_world()\n"));
        Assert.That(editor.PendingOperations, Is.Empty);
    }

    [Test]
    public async Task ProposeAsync_InvalidAnswer_IsRepairedOnce_WithTheExactErrors()
    {
        using var host = NewHost();
        host.Client.EnqueueText("""{"operations":[{"type":"replace","path":"src/main.py","oldText":"def helo():","newText":"x"},{"type":"rename","path":"a"}]}""");
        host.Client.EnqueueText("```json\n" + Valid + "\n```");
        var editor = await host.Edits.CreateAsync(host.Workspace);
        var proposed = await editor.ProposeAsync("Rename hello", ["src/main.py"]);

        Assert.That(proposed, Has.Count.EqualTo(2));
        Assert.That(host.Client.CallCount, Is.EqualTo(2));
        string repair = host.Client.LastRequest.LastMessageText;
        Assert.That(repair, Does.Contain("operations[1].type: 'rename' is not one of"));
        Assert.That(repair, Does.Contain("Answer again"));

        // The first answer failed on its shape; a dry run catches old text that does not match the file.
        host.Client.EnqueueText("""{"operations":[{"type":"replace","path":"src/main.py","oldText":"def helo():","newText":"x"}]}""");
        host.Client.EnqueueText("""{"operations":[{"type":"append","path":"src/main.py","text":"# end\n"}]}""");
        await editor.ProposeAsync("Add a comment", ["src/main.py"]);
        Assert.That(host.Client.LastRequest.LastMessageText, Does.Contain("The old text was not found in 'src/main.py'"));
        Assert.That(editor.PendingOperations, Has.Count.EqualTo(3));
    }

    [Test]
    public async Task ProposeAsync_StillInvalidAfterRepair_ThrowsWithTheErrors_AndAddsNothing()
    {
        using var host = NewHost();
        host.Client.EnqueueText("not json");
        host.Client.EnqueueText("""{"operations":[{"type":"replace","path":"../escape.py","oldText":"a","newText":"b"}]}""");
        var editor = await host.Edits.CreateAsync(host.Workspace);
        var ex = await Assert.ThrowsAsync<EditProposalException>(() => editor.ProposeAsync("Do it", ["src/main.py"]));
        Assert.That(ex!.Errors, Has.Count.EqualTo(1));
        Assert.That(ex.Errors[0], Does.Contain("../escape.py").And.Contain(".."));
        Assert.That(editor.PendingOperations, Is.Empty);
        Assert.That(host.Client.Requests[1].LastMessageText, Does.Contain("not valid JSON"));
    }

    [Test]
    public async Task ProposeAsync_PendingProposalSurvivesARestart()
    {
        using var host = NewHost();
        host.Client.EnqueueText(Valid);
        var editor = await host.Edits.CreateAsync(host.Workspace);
        await editor.ProposeAsync("Rename", ["src/main.py"]);
        host.Restart();
        var reopened = await host.Edits.OpenAsync(editor.Session.Id);
        Assert.That(reopened.PendingOperations.Select(o => o.NewText), Is.EqualTo(new[] { "def hello_world():", "hello_world()\n" }));
        await reopened.ApplyAsync();
        host.Restart();
        var again = await host.Edits.OpenAsync(editor.Session.Id);
        Assert.That(again.PendingOperations, Is.Empty, "applied proposals are no longer pending");
        Assert.That(again.Batches, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task ProposeAsync_AutoApply_AppliesAtOnce()
    {
        using var host = NewHost(o => o.AutoApply = true);
        host.Client.EnqueueText(Valid);
        var editor = await host.Edits.CreateAsync(host.Workspace);
        await editor.ProposeAsync("Rename", ["src/main.py"]);
        Assert.That(host.Read("src/main.py"), Does.StartWith("def hello_world():"));
        Assert.That(editor.Batches, Has.Count.EqualTo(1));
        Assert.That(editor.PendingOperations, Is.Empty);
    }

    [Test]
    public async Task ProposeAsync_FileOverTheSizeLimit_IsNotSent()
    {
        using var host = NewHost(o => o.MaxFileSize = 10);
        var editor = await host.Edits.CreateAsync(host.Workspace);
        await Assert.ThatAsync(() => editor.ProposeAsync("Rename", ["src/main.py"]), Throws.TypeOf<EditPreconditionException>());
        Assert.That(host.Client.CallCount, Is.Zero);
    }

    [Test]
    public void Schema_IsPublishedAsJson()
    {
        var schema = EditProposalSchema.Schema;
        Assert.That(schema.GetProperty("required")[0].GetString(), Is.EqualTo("operations"));
        var types = schema.GetProperty("properties").GetProperty("operations").GetProperty("items").GetProperty("properties").GetProperty("type").GetProperty("enum");
        Assert.That(types.EnumerateArray().Select(t => t.GetString()), Is.EquivalentTo(new[] { "insert", "replace", "delete", "append", "prepend", "create", "deleteFile" }));
        Assert.That(JsonDocument.Parse(EditProposalSchema.Json).RootElement.ValueKind, Is.EqualTo(JsonValueKind.Object));
    }

    [Test]
    public async Task ProposeAsync_ToolCalls_OffersTheEditTools_AndTakesEachCallAsAnOperation()
    {
        using var host = NewHost(o => o.ProposalFormat = EditProposalFormat.ToolCalls);
        host.Client.EnqueueFunctionCalls([
            Call("c1", "edit_replace", ("path", "src/main.py"), ("oldText", "def hello():"), ("newText", "def hello_world():")),
            Call("c2", "edit_replace", ("path", "src/main.py"), ("oldText", "hello()\n"), ("newText", "hello_world()\n")),
            Call("c3", "edit_insert", ("path", "src/main.py"), ("line", 1), ("text", "import os\n")),
        ]);
        host.Client.EnqueueText("Renamed hello.");
        var editor = await host.Edits.CreateAsync(host.Workspace);
        var proposed = await editor.ProposeAsync("Rename hello to hello_world everywhere", ["src/main.py"]);

        Assert.That(proposed.Select(o => o.Kind), Is.EqualTo(new[] { EditOperationKind.Replace, EditOperationKind.Replace, EditOperationKind.Insert }));
        Assert.That(editor.PendingOperations, Has.Count.EqualTo(3));
        Assert.That(host.Read("src/main.py"), Does.Contain("def hello():"), "pending until applied");

        var first = host.Client.Requests[0];
        Assert.That(first.Options!.ResponseFormat, Is.Null);
        var tools = first.Options.Tools!.OfType<AIFunctionDeclaration>().ToList();
        Assert.That(tools.Select(t => t.Name), Is.EquivalentTo(new[] { "edit_insert", "edit_replace", "edit_delete", "edit_append", "edit_prepend", "edit_create_file", "edit_delete_file" }));
        var replace = tools.Single(t => t.Name == "edit_replace").JsonSchema;
        Assert.That(replace.GetProperty("required").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { "path", "oldText", "newText" }));
        Assert.That(first.LastMessageText, Does.Contain("edit_replace").And.Contain("File: src/main.py"));

        var results = Results(host.Client.Requests[1]);
        Assert.That(results, Has.Count.EqualTo(3));
        Assert.That(results, Has.All.StartsWith("accepted: "));

        await editor.ApplyAsync();
        Assert.That(host.Read("src/main.py"), Is.EqualTo("import os\ndef hello_world():\n    print('hi')\n\nhello_world()\n"));
    }

    [Test]
    public async Task ProposeAsync_ToolCalls_InvalidArguments_AreRepairedOnce_WithTheExactErrors()
    {
        using var host = NewHost(o => o.ProposalFormat = EditProposalFormat.ToolCalls);
        host.Client.EnqueueFunctionCalls([
            Call("c1", "edit_replace", ("path", "src/main.py"), ("oldText", "def helo():"), ("newText", "x")),
            Call("c2", "edit_insert", ("path", "src/main.py"), ("line", "three"), ("text", "# x\n")),
            Call("c3", "edit_append", ("path", "src/main.py"), ("text", "# end\n"), ("colour", "red")),
            Call("c4", "edit_delete", ("path", "../outside.py"), ("startLine", 1), ("endLine", 1)),
            Call("c5", "edit_prepend", ("path", "src/main.py"), ("text", "# top\n")),
        ]);
        host.Client.EnqueueFunctionCalls([
            Call("c6", "edit_replace", ("path", "src/main.py"), ("oldText", "def hello():"), ("newText", "def hello_world():")),
            Call("c7", "edit_insert", ("path", "src/main.py"), ("line", 3), ("text", "# x\n")),
        ]);
        host.Client.EnqueueText("Done.");
        var editor = await host.Edits.CreateAsync(host.Workspace);
        var proposed = await editor.ProposeAsync("Rename hello", ["src/main.py"]);

        Assert.That(host.Client.CallCount, Is.EqualTo(3));
        var results = Results(host.Client.Requests[1]);
        Assert.That(results[0], Does.StartWith("error: edit_replace: The old text was not found in 'src/main.py'"));
        Assert.That(results[1], Does.StartWith("error: edit_insert.line: must be an integer, not \"three\""));
        Assert.That(results[2], Does.StartWith("error: edit_append.colour: unknown argument"));
        Assert.That(results[3], Does.Contain("../outside.py"));
        Assert.That(results[4], Does.StartWith("accepted: "), "a valid call in the same round stands");
        Assert.That(results[0], Does.Contain("Call edit_replace again"));

        Assert.That(proposed.Select(o => o.ToString()), Is.EqualTo(new[] { "prepend src/main.py", "replace in src/main.py", "insert at src/main.py:3" }));
        await editor.ApplyAsync();
        Assert.That(host.Read("src/main.py"), Is.EqualTo("# top\ndef hello_world():\n# x\n    print('hi')\n\nhello()\n"));
    }

    [Test]
    public async Task ProposeAsync_ToolCalls_StillInvalidAfterTheRepairRound_StopsTheToolLoop_AndAddsNothing()
    {
        using var host = NewHost(o => o.ProposalFormat = EditProposalFormat.ToolCalls);
        host.Client.EnqueueFunctionCalls([Call("c1", "edit_replace", ("path", "src/main.py"), ("oldText", "nope"), ("newText", "x"))]);
        host.Client.EnqueueFunctionCalls([Call("c2", "edit_replace", ("path", "src/main.py"), ("oldText", "still nope"), ("newText", "x"))]);
        host.Client.EnqueueText("never asked for");
        var editor = await host.Edits.CreateAsync(host.Workspace);
        var ex = await Assert.ThrowsAsync<EditProposalException>(() => editor.ProposeAsync("Do it", ["src/main.py"]));

        Assert.That(ex!.Errors, Has.Count.EqualTo(1));
        Assert.That(ex.Errors[0], Does.Contain("still nope"));
        Assert.That(host.Client.CallCount, Is.EqualTo(2), "the tool loop ends at the second invalid round");
        Assert.That(editor.PendingOperations, Is.Empty);
        Assert.That(host.Read("src/main.py"), Does.Contain("def hello():"));
    }

    [Test]
    public async Task ProposeAsync_ToolCalls_InvalidRoundNeverCorrected_Throws()
    {
        using var host = NewHost(o => o.ProposalFormat = EditProposalFormat.ToolCalls);
        host.Client.EnqueueFunctionCalls([Call("c1", "edit_delete", ("path", "src/main.py"), ("startLine", 1), ("endLine", 99))]);
        host.Client.EnqueueText("I give up.");
        var editor = await host.Edits.CreateAsync(host.Workspace);
        var ex = await Assert.ThrowsAsync<EditProposalException>(() => editor.ProposeAsync("Do it", ["src/main.py"]));
        Assert.That(ex!.Errors[0], Does.Contain("Cannot delete lines 1-99"));
        Assert.That(editor.PendingOperations, Is.Empty);
    }

    [Test]
    public async Task ProposeAsync_ToolCalls_AnswerWithTheJsonObject_IsAcceptedToo()
    {
        using var host = NewHost(o => o.ProposalFormat = EditProposalFormat.ToolCalls);
        host.Client.EnqueueText(Valid);
        var editor = await host.Edits.CreateAsync(host.Workspace);
        var proposed = await editor.ProposeAsync("Rename", ["src/main.py"]);
        Assert.That(proposed, Has.Count.EqualTo(2));
        Assert.That(host.Client.CallCount, Is.EqualTo(1));
    }

    [Test]
    public async Task ProposeAsync_ToolCalls_NoCallAndNoJson_IsAskedOnceMore()
    {
        using var host = NewHost(o => o.ProposalFormat = EditProposalFormat.ToolCalls);
        host.Client.EnqueueText("Sure, I would rename it.");
        host.Client.EnqueueFunctionCall("edit_append", new Dictionary<string, object?> { ["path"] = "src/main.py", ["text"] = "# end\n" });
        host.Client.EnqueueText("Done.");
        var editor = await host.Edits.CreateAsync(host.Workspace);
        var proposed = await editor.ProposeAsync("Add a comment", ["src/main.py"]);

        Assert.That(proposed.Single().Kind, Is.EqualTo(EditOperationKind.Append));
        string repair = host.Client.Requests[1].LastMessageText;
        Assert.That(repair, Does.Contain("no edit tool was called").And.Contain("Call the edit tools"));
        Assert.That(host.Client.Requests[1].Options!.Tools, Has.Count.EqualTo(7));
    }

    [Test]
    public async Task ProposeAsync_ToolCalls_RecordsCallsAndResultsInTheConversation_AndSurvivesARestart()
    {
        using var host = NewHost(o => o.ProposalFormat = EditProposalFormat.ToolCalls);
        host.Client.EnqueueFunctionCall("edit_create_file", new Dictionary<string, object?> { ["path"] = "src/new.py", ["text"] = "new\n" }, "c1");
        host.Client.EnqueueText("Created.");
        var editor = await host.Edits.CreateAsync(host.Workspace);
        await editor.ProposeAsync("Create a file", ["src/main.py"]);
        host.Restart();

        var reopened = await host.Edits.OpenAsync(editor.Session.Id);
        Assert.That(reopened.PendingOperations.Single().Kind, Is.EqualTo(EditOperationKind.CreateFile));
        var messages = await reopened.Session.GetMessagesAsync();
        var contents = messages.SelectMany(m => m.Message.Contents).ToList();
        Assert.That(contents.OfType<FunctionCallContent>().Single().Name, Is.EqualTo("edit_create_file"));
        Assert.That(contents.OfType<FunctionResultContent>().Single().Result?.ToString(), Does.StartWith("accepted: "));
    }

    private static FunctionCallContent Call(string id, string name, params (string Key, object? Value)[] arguments) =>
        new(id, name, arguments.ToDictionary(a => a.Key, a => a.Value));

    private static List<string> Results(ScriptedChatRequest request) =>
        [.. request.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Select(r => r.Result?.ToString() ?? string.Empty)];

    private static EditTestHost NewHost(Action<EditingOptions>? configure = null)
    {
        var host = new EditTestHost(fileStore: true, configure);
        host.Write("src/main.py", "def hello():\n    print('hi')\n\nhello()\n");
        return host;
    }
}

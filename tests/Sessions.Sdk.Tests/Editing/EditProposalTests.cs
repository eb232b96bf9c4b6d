using System.Text.Json;
using Microsoft.Extensions.AI;

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

    private static EditTestHost NewHost(Action<EditingOptions>? configure = null)
    {
        var host = new EditTestHost(fileStore: true, configure);
        host.Write("src/main.py", "def hello():\n    print('hi')\n\nhello()\n");
        return host;
    }
}

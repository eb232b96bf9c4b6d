using Microsoft.Extensions.DependencyInjection;
using Sessions.EditSample;
using Sessions.Sdk;

// Edit sessions, offline: preview, apply, rollback (also after a restart), model proposals with a repair round, rewind, and tool-call proposals.
string temp = Directory.CreateTempSubdirectory("sessions-edit-sample-").FullName;
string workspace = Path.Combine(temp, "workspace");
Directory.CreateDirectory(Path.Combine(workspace, "src"));
File.WriteAllText(Path.Combine(workspace, "src/main.py"), "import sys\n\ndef hello():\n    print('hi')\n\nhello()\n");
File.WriteAllText(Path.Combine(workspace, "README.md"), "# Demo\r\n");   // CRLF: kept as CRLF

ServiceProvider Build(EditProposalFormat proposals = EditProposalFormat.Json)
{
    var services = new ServiceCollection();
    services.AddSessions(o => o.DefaultProvider = "offline")
        .UseFileStorage(Path.Combine(temp, "sessions"))
        .AddChatProvider("offline", _ => new OfflineEditModel(), "offline-edit-model")
        .AddEditing(o => { o.MaxFileSize = 1_048_576; o.CreateBackup = true; o.AutoApply = false; o.ProposalFormat = proposals; });
    return services.BuildServiceProvider();
}

string sessionId;
await using (var provider = Build())
{
    IEditSessionManager edits = provider.GetRequiredService<IEditSessionManager>();
    EditSession editor = await edits.CreateAsync(workspace);
    sessionId = editor.Session.Id;

    editor.Add(EditOperation.Replace("src/main.py", "def hello():", "def hello_world():"));
    editor.Add(EditOperation.Insert("src/main.py", line: 2, "import os\n"));
    editor.Add(EditOperation.Append("README.md", "\n## Usage\n"));
    EditPreview preview = await editor.PreviewAsync();
    Console.WriteLine($"Preview: {preview.Files.Count} files, +{preview.LinesAdded} -{preview.LinesRemoved}");
    Console.WriteLine(preview.Diff);

    EditResult applied = await editor.ApplyAsync();
    Console.WriteLine($"Applied batch {applied.Name} ({applied.BatchId}): {string.Join(", ", applied.Files.Select(f => f.Path))}");

    try
    {
        await editor.ApplyBatchAsync(new EditBatch("escape", [EditOperation.Append("../outside.txt", "x")]));
    }
    catch (EditSandboxException ex)
    {
        Console.WriteLine($"Refused before writing: {ex.Path} ({ex.Reason})");
    }
}

// A new process, as far as the library knows: the backups are in the session, so rollback still restores exact bytes.
await using (var provider = Build())
{
    EditSession editor = await provider.GetRequiredService<IEditSessionManager>().OpenAsync(sessionId);
    EditResult rolledBack = await editor.RollbackAsync();
    Console.WriteLine($"After a restart, rolled back {rolledBack.Name}: main.py starts with '{File.ReadLines(Path.Combine(workspace, "src/main.py")).First()}'");

    long beforeProposal = editor.Session.MessageCount;
    IReadOnlyList<EditOperation> proposed = await editor.ProposeAsync("Rename hello to hello_world everywhere", ["src/main.py"]);
    Console.WriteLine($"The model proposed {proposed.Count} operation(s) after one repair round: {string.Join("; ", proposed)}");
    Console.WriteLine((await editor.PreviewAsync()).Diff);
    await editor.ApplyAsync();
    Console.WriteLine("main.py now:\n" + File.ReadAllText(Path.Combine(workspace, "src/main.py")));

    IReadOnlyList<EditResult> undone = await editor.RewindAsync(beforeProposal);
    Console.WriteLine($"Rewound to message {beforeProposal}: undid {undone.Count} batch(es), conversation back to {editor.Session.MessageCount} messages; main.py:\n"
        + File.ReadAllText(Path.Combine(workspace, "src/main.py")));
}

// Proposals through tool calls: the model calls the edit_* tools, one call per operation, each checked at once.
await using (var provider = Build(EditProposalFormat.ToolCalls))
{
    EditSession editor = await provider.GetRequiredService<IEditSessionManager>().OpenAsync(sessionId);
    IReadOnlyList<EditOperation> proposed = await editor.ProposeAsync("Add a closing comment", ["src/main.py"]);
    Console.WriteLine($"Through tool calls the model proposed: {string.Join("; ", proposed)}");
    await editor.ApplyAsync();
    Console.WriteLine("main.py ends with: " + File.ReadLines(Path.Combine(workspace, "src/main.py")).Last());
}

Directory.Delete(temp, recursive: true);

using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Sessions.Sdk;

namespace Sessions.Cli;

/// <summary>`sessions edit …`: edit sessions on the public editing API (IEditSessionManager): propose, preview, apply, rollback.</summary>
internal static partial class Cli
{
    private static readonly Action<ISessionsBuilder> WithEditing = b => b.AddEditing();

    private static Command EditCommand(Terminal terminal)
    {
        var instruction = new Argument<string?>("instruction") { Arity = ArgumentArity.ZeroOrOne, Description = "What to change, in words; the model proposes the edits." };
        var propose = new EditProposeOptions();
        var command = new Command("edit", "Edit files with a model: it proposes edits, you see a coloured unified diff and confirm, and every applied batch can be rolled back. Files outside the workspace folder are never touched.")
        {
            instruction,
        };
        propose.AddTo(command);
        Handle(command, terminal, (parse, host, ct) =>
        {
            string? text = parse.GetValue(instruction);
            if (string.IsNullOrWhiteSpace(text)) throw new CliException("Say what to change, e.g. sessions edit \"Rename hello to greet\" --file src/main.py.", CliExitCode.Usage);
            return ProposeAsync(terminal, host, text, propose.Read(parse), ct);
        }, needsModel: true, configure: WithEditing);

        var proposeInstruction = new Argument<string>("instruction") { Description = "What to change, in words." };
        var proposeOptions = new EditProposeOptions();
        var proposeCommand = new Command("propose", "Have the model propose edits, show the diff, confirm and apply.") { proposeInstruction };
        proposeOptions.AddTo(proposeCommand);
        Handle(proposeCommand, terminal, (parse, host, ct) => ProposeAsync(terminal, host, parse.GetValue(proposeInstruction)!, proposeOptions.Read(parse), ct),
            needsModel: true, configure: WithEditing);

        command.Subcommands.Add(proposeCommand);
        command.Subcommands.Add(EditPreviewCommand(terminal));
        command.Subcommands.Add(EditApplyCommand(terminal));
        command.Subcommands.Add(EditRollbackCommand(terminal));
        command.Subcommands.Add(EditStatusCommand(terminal));
        return command;
    }

    private static Command EditPreviewCommand(Terminal terminal)
    {
        var id = new Argument<string?>("id") { Arity = ArgumentArity.ZeroOrOne, Description = "The edit session; default: the most recent one." };
        var format = FormatOption(OutputFormat.Text);
        var command = new Command("preview", "Show the unified diff of an edit session's pending (proposed, not applied) edits; writes nothing.") { id, format };
        Handle(command, terminal, async (parse, host, ct) =>
        {
            var editor = await OpenEditAsync(host, parse.GetValue(id), ct);
            RequirePending(editor);
            var preview = await editor.PreviewAsync(ct);
            bool json = parse.GetValue(format) == OutputFormat.Json;
            if (json) Render.Json(terminal.Out, w => WriteEdit(w, editor, preview, null));
            else WriteDiff(terminal, preview);
            return 0;
        }, configure: WithEditing);
        return command;
    }

    private static Command EditApplyCommand(Terminal terminal)
    {
        var id = new Argument<string?>("id") { Arity = ArgumentArity.ZeroOrOne, Description = "The edit session; default: the most recent one." };
        var yes = new Option<bool>("--yes", "-y") { Description = "Apply without asking (needed when standard input is not a terminal)." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Show the diff only; write nothing." };
        var format = FormatOption(OutputFormat.Text);
        var command = new Command("apply", "Apply an edit session's pending edits as one batch (every file changes, or none).") { id, yes, dryRun, format };
        Handle(command, terminal, async (parse, host, ct) =>
        {
            var run = new EditRun(parse.GetValue(yes), parse.GetValue(dryRun), AutoApply: false, Interactive: false, parse.GetValue(format));
            CheckCanConfirm(terminal, run);
            var editor = await OpenEditAsync(host, parse.GetValue(id), ct);
            RequirePending(editor);
            return await PreviewAndApplyAsync(terminal, editor, run, ct);
        }, configure: WithEditing);
        return command;
    }

    private static Command EditRollbackCommand(Terminal terminal)
    {
        var id = new Argument<string?>("id") { Arity = ArgumentArity.ZeroOrOne, Description = "The edit session; default: the most recent one." };
        var batch = new Option<string?>("--batch") { Description = "The batch to roll back (default: the last applied one)." };
        var force = new Option<bool>("--force") { Description = "Restore even files changed since the batch was applied." };
        var yes = new Option<bool>("--yes", "-y") { Description = "Roll back without asking (needed when standard input is not a terminal)." };
        var dryRun = new Option<bool>("--dry-run") { Description = "List the files that would be restored; change nothing." };
        var format = FormatOption(OutputFormat.Text);
        var command = new Command("rollback", "Roll back an applied batch, restoring the exact bytes from before it (also after a restart).") { id, batch, force, yes, dryRun, format };
        Handle(command, terminal, async (parse, host, ct) =>
        {
            bool dry = parse.GetValue(dryRun);
            var editor = await OpenEditAsync(host, parse.GetValue(id), ct);
            string? batchId = parse.GetValue(batch);
            var target = batchId is null
                ? editor.Batches.LastOrDefault(b => b.Status == EditBatchStatus.Applied)
                    ?? throw new CliException($"Edit session {editor.Session.Id} has no applied batch to roll back.")
                : editor.Batches.FirstOrDefault(b => b.BatchId == batchId)
                    ?? throw new CliException($"Edit session {editor.Session.Id} has no batch '{batchId}' (run 'sessions edit status {editor.Session.Id}').");
            if (target.Status != EditBatchStatus.Applied) throw new CliException($"Batch {target.BatchId} is {Name(target.Status)}, not applied; nothing to roll back.");
            bool json = parse.GetValue(format) == OutputFormat.Json;
            if (!json)
            {
                terminal.Out.WriteLine($"Batch {target.Name} ({target.BatchId}), applied {target.AppliedAt:yyyy-MM-dd HH:mm:ss}:");
                foreach (var f in target.Files) terminal.Out.WriteLine($"  restore {f.Path} ({Name(f.Change)}, +{f.LinesAdded} -{f.LinesRemoved})");
            }

            if (dry)
            {
                if (json) Render.Json(terminal.Out, w => WriteBatch(w, target));
                terminal.WriteInfo("Dry run: nothing was changed.");
                return 0;
            }

            if (!terminal.Confirm($"Roll back {target.Files.Count} file(s)?", parse.GetValue(yes))) return CliExitCode.Failure;
            var result = await editor.RollbackAsync(target.BatchId, parse.GetValue(force), ct);
            if (json) Render.Json(terminal.Out, w => WriteBatch(w, result));
            terminal.WriteInfo($"Rolled back {result.Name} ({result.BatchId}): {result.Files.Count} file(s) restored.");
            return 0;
        }, configure: WithEditing);
        return command;
    }

    private static Command EditStatusCommand(Terminal terminal)
    {
        var id = new Argument<string?>("id") { Arity = ArgumentArity.ZeroOrOne, Description = "The edit session; default: the most recent one." };
        var format = FormatOption(OutputFormat.Text);
        var command = new Command("status", "Show an edit session: its workspace, pending edits and batches.") { id, format };
        Handle(command, terminal, async (parse, host, ct) =>
        {
            var editor = await OpenEditAsync(host, parse.GetValue(id), ct);
            if (parse.GetValue(format) == OutputFormat.Json)
            {
                Render.Json(terminal.Out, w => WriteEdit(w, editor, null, null));
                return 0;
            }

            terminal.Out.WriteLine($"Edit session {editor.Session.Id}");
            terminal.Out.WriteLine($"  workspace: {editor.WorkspaceRoot}");
            terminal.Out.WriteLine($"  pending: {editor.PendingOperations.Count} operation(s)");
            foreach (var op in editor.PendingOperations) terminal.Out.WriteLine($"    {op}");
            terminal.Out.WriteLine($"  batches: {editor.Batches.Count}");
            foreach (var b in editor.Batches)
            {
                terminal.Out.WriteLine($"    {b.BatchId}\t{b.Name}\t{Name(b.Status)}\t{b.Files.Count} file(s)\t+{b.LinesAdded} -{b.LinesRemoved}");
            }

            return 0;
        }, configure: WithEditing);
        return command;
    }

    private sealed class EditProposeOptions
    {
        private readonly Option<string[]> _files = new("--file", "-f") { Description = "A file the model should see and may change (repeatable), relative to the workspace.", AllowMultipleArgumentsPerToken = true };
        private readonly Option<string?> _workspace = new("--workspace", "-w") { Description = "The workspace folder; edits never leave it. Default: the current directory (or the session's workspace)." };
        private readonly Option<string?> _session = new("--session", "-s") { Description = "Continue this edit session (id or prefix) instead of starting a new one." };
        private readonly Option<bool> _autoApply = new("--auto-apply") { Description = "Apply the proposed edits without asking." };
        private readonly Option<bool> _yes = new("--yes", "-y") { Description = "Apply without asking (needed when standard input is not a terminal)." };
        private readonly Option<bool> _dryRun = new("--dry-run") { Description = "Show the proposed diff only; write nothing (the proposal stays pending: 'sessions edit apply')." };
        private readonly Option<bool> _interactive = new("--interactive", "-i") { Description = "Ask for confirmation even when standard input is not a terminal." };
        private readonly Option<OutputFormat> _format = FormatOption(OutputFormat.Text);

        public void AddTo(Command command)
        {
            foreach (var option in new Option[] { _files, _workspace, _session, _autoApply, _yes, _dryRun, _interactive, _format })
            {
                command.Options.Add(option);
            }
        }

        public EditProposal Read(ParseResult parse) => new(
            parse.GetValue(_files) ?? [],
            parse.GetValue(_workspace),
            parse.GetValue(_session),
            new EditRun(parse.GetValue(_yes), parse.GetValue(_dryRun), parse.GetValue(_autoApply), parse.GetValue(_interactive), parse.GetValue(_format)));
    }

    private sealed record EditProposal(string[] Files, string? Workspace, string? Session, EditRun Run);

    private sealed record EditRun(bool Yes, bool DryRun, bool AutoApply, bool Interactive, OutputFormat Format)
    {
        public bool Json => Format == OutputFormat.Json;

        public bool Confirmed => Yes || AutoApply;
    }

    /// <summary>Refuses, before anything is stored, a run that would need a confirmation no one can give.</summary>
    private static void CheckCanConfirm(Terminal terminal, EditRun run)
    {
        if (!run.DryRun && !run.Confirmed && !run.Interactive && !terminal.InputIsTerminal)
        {
            throw new CliException("Applying edits needs confirmation: pass --yes (or --auto-apply) when standard input is not a terminal, or --dry-run to only see the diff.", CliExitCode.Usage);
        }
    }

    private static async Task<int> ProposeAsync(Terminal terminal, CliHost host, string instruction, EditProposal proposal, CancellationToken ct)
    {
        CheckCanConfirm(terminal, proposal.Run);
        var edits = host.Services.GetRequiredService<IEditSessionManager>();
        EditSession editor;
        if (proposal.Session is { } id)
        {
            if (proposal.Workspace is not null) throw new CliException("--workspace is fixed for an existing edit session; leave it out with --session.", CliExitCode.Usage);
            editor = await OpenEditAsync(host, id, ct);
        }
        else
        {
            string workspace = Path.GetFullPath(proposal.Workspace ?? Directory.GetCurrentDirectory());
            if (!Directory.Exists(workspace)) throw new CliException($"The workspace folder '{workspace}' does not exist.", CliExitCode.Usage);
            editor = await edits.CreateAsync(workspace, ct);
        }

        if (!proposal.Run.Json) terminal.WriteInfo($"edit session {editor.Session.Id} (workspace {editor.WorkspaceRoot})");
        editor.ClearPending();
        var operations = await terminal.WithStatusAsync("Asking the model for edits…", () => editor.ProposeAsync(instruction, proposal.Files, ct));
        if (operations.Count == 0)
        {
            if (proposal.Run.Json) Render.Json(terminal.Out, w => WriteEdit(w, editor, null, null));
            terminal.WriteInfo("The model proposed no change.");
            return 0;
        }

        return await PreviewAndApplyAsync(terminal, editor, proposal.Run, ct);
    }

    private static async Task<int> PreviewAndApplyAsync(Terminal terminal, EditSession editor, EditRun run, CancellationToken ct)
    {
        var preview = await editor.PreviewAsync(ct);
        if (!run.Json) WriteDiff(terminal, preview);
        string id = editor.Session.Id;
        if (run.DryRun)
        {
            if (run.Json) Render.Json(terminal.Out, w => WriteEdit(w, editor, preview, null));
            terminal.WriteInfo($"Dry run: nothing was written. The edits stay pending: 'sessions edit apply {id}' applies them.");
            return 0;
        }

        bool confirmed = run.Confirmed || AskApply(terminal, preview);
        if (!confirmed)
        {
            if (run.Json) Render.Json(terminal.Out, w => WriteEdit(w, editor, preview, null));
            terminal.WriteInfo($"Not applied. The edits stay pending: 'sessions edit apply {id}' applies them.");
            return CliExitCode.Failure;
        }

        var result = await editor.ApplyAsync(ct);
        if (run.Json) Render.Json(terminal.Out, w => WriteEdit(w, editor, preview, result));
        terminal.WriteInfo($"Applied batch {result.Name} ({result.BatchId}): {result.Files.Count} file(s), +{result.LinesAdded} -{result.LinesRemoved}. Undo with 'sessions edit rollback {id}'.");
        return 0;
    }

    private static bool AskApply(Terminal terminal, EditPreview preview)
    {
        terminal.Error.Write(terminal.Color ? $"\u001b[1mApply these changes to {preview.Files.Count} file(s)? [y/N]:\u001b[0m " : $"Apply these changes to {preview.Files.Count} file(s)? [y/N]: ");
        terminal.Error.Flush();
        string? answer = terminal.In.ReadLine()?.Trim();
        return answer is not null && (answer.Equals("y", StringComparison.OrdinalIgnoreCase) || answer.Equals("yes", StringComparison.OrdinalIgnoreCase));
    }

    private static void RequirePending(EditSession editor)
    {
        if (editor.PendingOperations.Count == 0)
        {
            throw new CliException($"Edit session {editor.Session.Id} has no pending edits. Propose some with: sessions edit \"INSTRUCTION\" --session {editor.Session.Id}.");
        }
    }

    private static async Task<EditSession> OpenEditAsync(CliHost host, string? idOrPrefix, CancellationToken ct)
    {
        var edits = host.Services.GetRequiredService<IEditSessionManager>();
        string id;
        if (idOrPrefix is null)
        {
            SessionInfo? last = null;
            await foreach (var info in host.Sessions.ListAsync(new SessionQuery { Kind = SessionKind.Edit, OrderBy = SessionSortField.UpdatedAt, Descending = true, Take = 1 }, ct))
            {
                last = info;
            }

            id = last?.Id ?? throw new CliException("There is no edit session yet. Start one with: sessions edit \"INSTRUCTION\" --file FILE.");
        }
        else
        {
            id = await ResolveIdAsync(host.Sessions, idOrPrefix, ct);
        }

        var info2 = await host.Sessions.GetInfoAsync(id, ct);
        if (info2 is not null && info2.Kind != SessionKind.Edit)
        {
            throw new CliException($"Session '{id}' is a {info2.Kind} session, not an edit session (run 'sessions list --kind edit').");
        }

        return await edits.OpenAsync(id, ct);
    }

    /// <summary>The unified diff, coloured on a terminal (additions green, removals red, hunks cyan).</summary>
    private static void WriteDiff(Terminal terminal, EditPreview preview)
    {
        foreach (var file in preview.Files)
        {
            foreach (var line in file.Diff.Split('\n'))
            {
                if (line.Length == 0) continue;
                string text = line.TrimEnd('\r');
                if (!terminal.Color)
                {
                    terminal.Out.WriteLine(text);
                    continue;
                }

                string colour = text switch
                {
                    _ when text.StartsWith("+++", StringComparison.Ordinal) || text.StartsWith("---", StringComparison.Ordinal) => "\u001b[1m",
                    _ when text.StartsWith('+') => "\u001b[32m",
                    _ when text.StartsWith('-') => "\u001b[31m",
                    _ when text.StartsWith("@@", StringComparison.Ordinal) => "\u001b[36m",
                    _ => "",
                };
                terminal.Out.WriteLine(colour.Length == 0 ? text : colour + text + "\u001b[0m");
            }
        }

        terminal.Out.WriteLine($"{preview.Files.Count} file(s) changed, +{preview.LinesAdded} -{preview.LinesRemoved}");
    }

    private static void WriteEdit(Utf8JsonWriter w, EditSession editor, EditPreview? preview, EditResult? applied)
    {
        w.WriteStartObject();
        w.WriteString("sessionId", editor.Session.Id);
        w.WriteString("workspace", editor.WorkspaceRoot);
        w.WriteStartArray("pending");
        foreach (var op in editor.PendingOperations)
        {
            w.WriteStartObject();
            w.WriteString("kind", Name(op.Kind));
            w.WriteString("path", op.Path);
            w.WriteString("description", op.ToString());
            w.WriteEndObject();
        }

        w.WriteEndArray();
        if (preview is not null)
        {
            w.WriteStartObject("preview");
            w.WriteNumber("linesAdded", preview.LinesAdded);
            w.WriteNumber("linesRemoved", preview.LinesRemoved);
            w.WriteStartArray("files");
            foreach (var f in preview.Files) WriteFile(w, f);
            w.WriteEndArray();
            w.WriteEndObject();
        }

        if (applied is not null)
        {
            w.WritePropertyName("applied");
            WriteBatch(w, applied);
        }

        w.WriteStartArray("batches");
        foreach (var b in editor.Batches) WriteBatch(w, b);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteBatch(Utf8JsonWriter w, EditResult b)
    {
        w.WriteStartObject();
        w.WriteString("batchId", b.BatchId);
        w.WriteString("name", b.Name);
        w.WriteString("status", Name(b.Status));
        w.WriteString("appliedAt", b.AppliedAt);
        w.WriteBoolean("canRollback", b.CanRollback);
        w.WriteNumber("linesAdded", b.LinesAdded);
        w.WriteNumber("linesRemoved", b.LinesRemoved);
        w.WriteStartArray("files");
        foreach (var f in b.Files) WriteFile(w, f);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteFile(Utf8JsonWriter w, EditFilePreview f)
    {
        w.WriteStartObject();
        w.WriteString("path", f.Path);
        w.WriteString("change", Name(f.Change));
        w.WriteNumber("linesAdded", f.LinesAdded);
        w.WriteNumber("linesRemoved", f.LinesRemoved);
        w.WriteString("diff", f.Diff);
        w.WriteEndObject();
    }
}

using System.CommandLine;
using Sessions.Sdk;

namespace Sessions.Cli;

internal static partial class Cli
{
    private static Command ExportCommand(Terminal terminal)
    {
        var id = new Argument<string?>("id") { Arity = ArgumentArity.ZeroOrOne, Description = "The session to export (or use --all / --since)." };
        var all = new Option<bool>("--all") { Description = "Export every session (one bundle for json)." };
        var since = new Option<string?>("--since") { Description = "Export the sessions updated since (date or age such as 7d)." };
        var output = new Option<string?>("--output", "-o") { Description = "Write to this file (default: standard output)." };
        var format = new Option<string>("--format") { Description = "json (lossless, re-importable), markdown, text or html.", DefaultValueFactory = _ => "json" };
        format.AcceptOnlyFromAmong("json", "markdown", "text", "html");
        var redact = new Option<bool>("--redact") { Description = "Replace API keys, bearer tokens and private keys in the export." };
        var command = new Command("export", "Export sessions as JSON (the session format), Markdown, text or HTML.") { id, all, since, output, format, redact };
        Handle(command, terminal, async (parse, host, ct) =>
        {
            var options = new SessionExportOptions
            {
                Format = parse.GetValue(format) switch
                {
                    "markdown" => SessionExportFormat.Markdown,
                    "text" => SessionExportFormat.Text,
                    "html" => SessionExportFormat.Html,
                    _ => SessionExportFormat.Json,
                },
                Redactor = parse.GetValue(redact) ? SessionRedactor.Default : null,
            };
            string? one = parse.GetValue(id);
            bool many = parse.GetValue(all) || parse.GetValue(since) is not null;
            if ((one is null) == !many) throw new CliException("Name one session, or pass --all or --since.", CliExitCode.Usage);
            string? file = parse.GetValue(output);
            var stream = file is null ? Console.OpenStandardOutput() : new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.None);
            await using (stream)
            {
                if (one is not null)
                {
                    await host.Sessions.ExportAsync(await ResolveIdAsync(host.Sessions, one, ct), stream, options, ct);
                    if (file is not null) terminal.WriteInfo($"Exported {one} to {file}.");
                }
                else
                {
                    options.AlwaysBundle = true;
                    var query = new SessionQuery { UpdatedAfter = parse.GetValue(since) is { } s ? ParseWhen(s, "--since", TimeProvider.System.GetLocalNow()) : null };
                    int count = await terminal.WithStatusAsync("Exporting…", () => host.Sessions.ExportAsync(query, stream, options, ct));
                    terminal.WriteInfo($"Exported {count} session(s){(file is null ? "" : $" to {file}")}.");
                }
            }

            return 0;
        });
        return command;
    }

    private static Command ImportCommand(Terminal terminal)
    {
        var input = new Option<string?>("--input", "-i") { Description = "A file to import (our session format or bundle, or a seed tool's export: detected)." };
        var dir = new Option<string?>("--dir") { Description = "Import every file of this folder (all or nothing)." };
        var newId = new Option<bool>("--new-id") { Description = "Give the imported sessions new ids." };
        var title = new Option<string?>("--title") { Description = "Title for the imported session(s)." };
        var conflict = new Option<string>("--on-conflict") { Description = "When an id exists: fail, skip or new-id.", DefaultValueFactory = _ => "fail" };
        conflict.AcceptOnlyFromAmong("fail", "skip", "new-id");
        var format = FormatOption(OutputFormat.Text);
        var command = new Command("import", "Import sessions from a file or a folder; a bad document imports nothing.") { input, dir, newId, title, conflict, format };
        Handle(command, terminal, async (parse, host, ct) =>
        {
            string? file = parse.GetValue(input), folder = parse.GetValue(dir);
            if ((file is null) == (folder is null)) throw new CliException("Pass --input FILE or --dir DIR (one of them).", CliExitCode.Usage);
            var options = new SessionImportOptions
            {
                NewId = parse.GetValue(newId),
                Title = parse.GetValue(title),
                Conflict = parse.GetValue(conflict) switch { "skip" => SessionImportConflict.Skip, "new-id" => SessionImportConflict.NewId, _ => SessionImportConflict.Fail },
            };
            SessionImportResult result;
            if (file is not null)
            {
                if (!File.Exists(file)) throw new CliException($"File '{file}' does not exist.");
                await using var stream = File.OpenRead(file);
                result = await terminal.WithStatusAsync("Importing…", () => host.Sessions.ImportAsync(stream, options, ct));
            }
            else
            {
                if (!Directory.Exists(folder)) throw new CliException($"Folder '{folder}' does not exist.");
                result = await terminal.WithStatusAsync("Importing…", () => host.Sessions.ImportDirectoryAsync(folder!, options, ct));
            }

            if (parse.GetValue(format) == OutputFormat.Json)
            {
                Render.Json(terminal.Out, w =>
                {
                    w.WriteStartObject();
                    w.WriteStartArray("imported");
                    foreach (var s in result.Sessions) Render.WriteSession(w, s);
                    w.WriteEndArray();
                    w.WriteStartArray("skipped");
                    foreach (var s in result.Skipped) w.WriteStringValue(s);
                    w.WriteEndArray();
                    w.WriteEndObject();
                });
            }
            else
            {
                foreach (var s in result.Sessions) terminal.Out.WriteLine(s.Id);
                terminal.WriteInfo($"Imported {result.Sessions.Count} session(s){(result.Skipped.Count > 0 ? $", skipped {result.Skipped.Count} existing" : "")}.");
            }

            return 0;
        });
        return command;
    }

    private static Command TrashCommand(Terminal terminal)
    {
        var format = FormatOption();
        var list = new Command("list", "List the sessions in the trash.") { format };
        Handle(list, terminal, async (parse, host, ct) =>
        {
            var now = TimeProvider.System.GetLocalNow();
            var items = new List<TrashedSession>();
            await foreach (var t in host.Sessions.ListTrashAsync(ct)) items.Add(t);
            if (parse.GetValue(format) == OutputFormat.Json)
            {
                Render.Json(terminal.Out, w =>
                {
                    w.WriteStartArray();
                    foreach (var t in items)
                    {
                        w.WriteStartObject();
                        w.WriteString("trashedAt", t.TrashedAt);
                        w.WritePropertyName("session");
                        Render.WriteSession(w, t.Session);
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                });
            }
            else if (items.Count == 0)
            {
                terminal.WriteInfo("The trash is empty.");
            }
            else
            {
                foreach (var t in items) terminal.Out.WriteLine($"{t.Session.Id}\t{t.Session.Title}\t{t.Session.MessageCount} messages\ttrashed {Terminal.Relative(t.TrashedAt, now)}");
            }

            return 0;
        });

        var restoreId = new Argument<string>("id") { Description = "The trashed session." };
        var restore = new Command("restore", "Bring a session back from the trash.") { restoreId };
        Handle(restore, terminal, async (parse, host, ct) =>
        {
            string id = parse.GetValue(restoreId)!;
            if (!await host.Sessions.RestoreAsync(id, ct)) throw new CliException($"Session '{id}' is not in the trash.");
            terminal.WriteInfo($"Restored {id}.");
            return 0;
        });

        var purgeId = new Argument<string>("id") { Description = "The trashed session." };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation." };
        var purge = new Command("purge", "Delete a trashed session permanently.") { purgeId, yes };
        Handle(purge, terminal, async (parse, host, ct) =>
        {
            string id = parse.GetValue(purgeId)!;
            if (!terminal.Confirm($"Permanently delete '{id}'?", parse.GetValue(yes))) return CliExitCode.Failure;
            if (!await host.Sessions.PurgeAsync(id, ct)) throw new CliException($"Session '{id}' is not in the trash.");
            terminal.WriteInfo($"Purged {id}.");
            return 0;
        });

        var emptyYes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation." };
        var empty = new Command("empty", "Delete every trashed session permanently.") { emptyYes };
        Handle(empty, terminal, async (parse, host, ct) =>
        {
            var ids = new List<string>();
            await foreach (var t in host.Sessions.ListTrashAsync(ct)) ids.Add(t.Session.Id);
            if (ids.Count == 0)
            {
                terminal.WriteInfo("The trash is empty.");
                return 0;
            }

            if (!terminal.Confirm($"Permanently delete {ids.Count} trashed session(s)?", parse.GetValue(emptyYes))) return CliExitCode.Failure;
            int purged = 0;
            foreach (var id in ids)
            {
                if (await host.Sessions.PurgeAsync(id, ct)) purged++;
            }

            terminal.WriteInfo($"Purged {purged} session(s).");
            return 0;
        });

        return new Command("trash", "List, restore and purge deleted sessions.") { list, restore, purge, empty };
    }

    private static Command MergeCommand(Terminal terminal)
    {
        var ids = new Argument<string[]>("ids") { Arity = ArgumentArity.OneOrMore, Description = "The sessions to merge (two or more), left untouched." };
        var newId = new Option<string>("--id") { Description = "The new session's id.", Required = true };
        var command = new Command("merge", "Merge sessions into a new one, messages in time order.") { ids, newId };
        Handle(command, terminal, async (parse, host, ct) =>
        {
            var sources = new List<string>();
            foreach (var id in parse.GetValue(ids)!) sources.Add(await ResolveIdAsync(host.Sessions, id, ct));
            if (sources.Count < 2) throw new CliException("merge needs at least two sessions.", CliExitCode.Usage);
            var merged = await host.Sessions.MergeAsync(sources, parse.GetValue(newId)!, ct);
            terminal.Out.WriteLine(merged.Id);
            terminal.WriteInfo($"Merged {sources.Count} sessions into {merged.Id} ({merged.MessageCount} messages).");
            return 0;
        });
        return command;
    }
}

using System.CommandLine;
using System.Globalization;
using Sessions.Sdk;

namespace Sessions.Cli;

internal static partial class Cli
{
    private static Command ListCommand(Terminal terminal)
    {
        var limit = new Option<int?>("--limit", "-n") { Description = "How many sessions to show (default 10, most recently updated first)." };
        var all = new Option<bool>("--all") { Description = "Show every session." };
        var search = new Option<string?>("--search") { Description = "Only sessions whose messages or title contain these words." };
        var tag = new Option<string?>("--tag") { Description = "Only sessions with this tag." };
        var kind = new Option<string?>("--kind") { Description = "Only sessions of this kind (chat, plan, edit)." };
        var provider = new Option<string?>("--by-provider") { Description = "Only sessions using this provider." };
        var since = new Option<string?>("--since") { Description = "Updated on or after (2024-01-31 or an age such as 7d)." };
        var until = new Option<string?>("--until") { Description = "Updated before (2024-01-31 or an age such as 7d)." };
        var sort = new Option<string>("--sort") { Description = "Sort by date (updated), created, title or messages.", DefaultValueFactory = _ => "date" };
        sort.AcceptOnlyFromAmong("date", "created", "title", "messages");
        var reverse = new Option<bool>("--reverse") { Description = "Reverse the sort order." };
        var format = FormatOption();
        var command = new Command("list", "List sessions.") { limit, all, search, tag, kind, provider, since, until, sort, reverse, format };
        Handle(command, terminal, async (parse, host, ct) =>
        {
            var now = TimeProvider.System.GetLocalNow();
            int? take = parse.GetValue(all) ? null : parse.GetValue(limit) ?? 10;
            if (take is < 0) throw new CliException("--limit must be 0 or more.", CliExitCode.Usage);
            var (field, descending) = parse.GetValue(sort) switch
            {
                "title" => (SessionSortField.Title, false),
                "messages" => (SessionSortField.MessageCount, true),
                "created" => (SessionSortField.CreatedAt, true),
                _ => (SessionSortField.UpdatedAt, true),
            };
            if (parse.GetValue(reverse)) descending = !descending;
            var query = new SessionQuery
            {
                Tag = parse.GetValue(tag),
                Kind = parse.GetValue(kind) is { } k ? new SessionKind(k) : null,
                ProviderName = parse.GetValue(provider),
                UpdatedAfter = parse.GetValue(since) is { } from ? ParseWhen(from, "--since", now) : null,
                UpdatedBefore = parse.GetValue(until) is { } to ? ParseWhen(to, "--until", now) : null,
                OrderBy = field,
                Descending = descending,
            };
            HashSet<string>? matching = null;
            if (parse.GetValue(search) is { Length: > 0 } text)
            {
                matching = new HashSet<string>(StringComparer.Ordinal);
                await foreach (var hit in host.Sessions.SearchAsync(new SessionSearchQuery { Text = text, IncludeTitles = true, Take = 10_000 }, ct))
                {
                    matching.Add(hit.SessionId);
                }
            }
            else
            {
                query = query with { Take = take };
            }

            var sessions = new List<SessionInfo>();
            await foreach (var info in host.Sessions.ListAsync(query, ct))
            {
                if (matching is null || matching.Contains(info.Id))
                {
                    sessions.Add(info);
                    if (matching is not null && take is { } t && sessions.Count >= t) break;
                }
            }

            switch (parse.GetValue(format))
            {
                case OutputFormat.Json:
                    Render.Json(terminal.Out, w =>
                    {
                        w.WriteStartArray();
                        foreach (var s in sessions) Render.WriteSession(w, s);
                        w.WriteEndArray();
                    });
                    break;
                case OutputFormat.Markdown or OutputFormat.Text:
                    foreach (var s in sessions)
                    {
                        terminal.Out.WriteLine($"{s.Id}\t{s.Title}\t{s.MessageCount} messages\t{Terminal.Relative(s.UpdatedAt, now)}");
                    }

                    break;
                default:
                    Render.SessionsTable(terminal, sessions, now);
                    break;
            }

            return 0;
        });
        return command;
    }

    private static Command ShowCommand(Terminal terminal)
    {
        var id = new Argument<string>("id") { Description = "The session id (or an unambiguous prefix)." };
        var summary = new Option<bool>("--summary") { Description = "Show the session's details and statistics, not its messages." };
        var skip = new Option<int>("--skip") { Description = "Skip this many messages from the start." };
        var limit = new Option<int?>("--limit", "-n") { Description = "Show at most this many messages." };
        var format = FormatOption(OutputFormat.Text);
        var command = new Command("show", "Show a session and its messages.") { id, summary, skip, limit, format };
        Handle(command, terminal, async (parse, host, ct) =>
        {
            if (parse.GetValue(skip) < 0) throw new CliException("--skip must be 0 or more.", CliExitCode.Usage);
            if (parse.GetValue(limit) is < 0) throw new CliException("--limit must be 0 or more.", CliExitCode.Usage);
            string sessionId = await ResolveIdAsync(host.Sessions, parse.GetValue(id)!, ct);
            var session = await host.Sessions.OpenAsync(sessionId, ct);
            var messages = parse.GetValue(summary)
                ? []
                : await session.GetMessagesAsync(new MessageRange(parse.GetValue(skip), parse.GetValue(limit)), ct);
            var stats = parse.GetValue(summary) ? await session.GetStatisticsAsync(ct) : null;
            var info = session.Info;
            var fmt = parse.GetValue(format);
            if (fmt == OutputFormat.Json)
            {
                Render.Json(terminal.Out, w =>
                {
                    w.WriteStartObject();
                    w.WritePropertyName("session");
                    Render.WriteSession(w, info);
                    if (stats is not null)
                    {
                        w.WriteStartObject("statistics");
                        w.WriteNumber("messageCount", stats.MessageCount);
                        w.WriteNumber("toolCallCount", stats.ToolCallCount);
                        w.WriteNumber("totalCharacters", stats.TotalCharacters);
                        w.WriteStartObject("messagesByRole");
                        foreach (var (role, n) in stats.MessagesByRole) w.WriteNumber(role, n);
                        w.WriteEndObject();
                        w.WriteStartArray("modelsUsed");
                        foreach (var m in stats.ModelsUsed) w.WriteStringValue(m);
                        w.WriteEndArray();
                        if (stats.AverageResponseTime is { } art) w.WriteNumber("averageResponseTimeMs", Math.Round(art.TotalMilliseconds, 1));
                        w.WriteNumber("durationSeconds", Math.Round(stats.Duration.TotalSeconds, 3));
                        w.WriteEndObject();
                    }
                    else
                    {
                        w.WriteStartArray("messages");
                        foreach (var m in messages) Render.WriteMessage(w, m);
                        w.WriteEndArray();
                    }

                    w.WriteEndObject();
                });
                return 0;
            }

            bool markdown = fmt == OutputFormat.Markdown;
            var o = terminal.Out;
            o.WriteLine(markdown ? $"# {info.Title ?? info.Id}" : $"Session {info.Id}{(info.Title is null ? "" : $": {info.Title}")}");
            if (markdown) o.WriteLine();
            string bullet = markdown ? "- " : "  ";
            o.WriteLine($"{bullet}id: {info.Id}");
            o.WriteLine($"{bullet}kind: {info.Kind}");
            o.WriteLine($"{bullet}created: {info.CreatedAt:yyyy-MM-dd HH:mm:ss zzz}");
            o.WriteLine($"{bullet}updated: {info.UpdatedAt:yyyy-MM-dd HH:mm:ss zzz}");
            if (info.ProviderName is not null || info.ModelId is not null) o.WriteLine($"{bullet}model: {info.ProviderName}/{info.ModelId}");
            o.WriteLine($"{bullet}messages: {info.MessageCount}");
            o.WriteLine($"{bullet}tokens: {Render.Tokens(info.Usage.TotalTokens)} (in {Render.Tokens(info.Usage.InputTokens)}, out {Render.Tokens(info.Usage.OutputTokens)}), cost {Render.Money(info.Usage)}");
            if (info.Tags.Count > 0) o.WriteLine($"{bullet}tags: {string.Join(", ", info.Tags)}");
            foreach (var (k, v) in info.Metadata.OrderBy(p => p.Key, StringComparer.Ordinal)) o.WriteLine($"{bullet}{k}: {v}");
            if (info.ParentSessionId is not null) o.WriteLine($"{bullet}branched from: {info.ParentSessionId} at #{info.BranchedAtSequence}");
            if (stats is not null)
            {
                o.WriteLine($"{bullet}by role: {string.Join(", ", stats.MessagesByRole.Select(p => $"{p.Key} {p.Value}"))}");
                o.WriteLine($"{bullet}tool calls: {stats.ToolCallCount}");
                if (stats.AverageResponseTime is { } art) o.WriteLine($"{bullet}average response: {art.TotalMilliseconds:0} ms");
                return 0;
            }

            o.WriteLine();
            foreach (var m in messages)
            {
                o.WriteLine(Render.MessageText(m, markdown));
            }

            return 0;
        });
        return command;
    }

    private static Command SearchCommand(Terminal terminal)
    {
        var text = new Argument<string>("text") { Description = "The words to find (every word in one message; the last matches as a prefix)." };
        var tag = new Option<string?>("--tag") { Description = "Only sessions with this tag." };
        var kind = new Option<string?>("--kind") { Description = "Only sessions of this kind." };
        var provider = new Option<string?>("--by-provider") { Description = "Only sessions using this provider." };
        var since = new Option<string?>("--since") { Description = "Messages on or after (date or age such as 7d)." };
        var until = new Option<string?>("--until") { Description = "Messages before (date or age)." };
        var limit = new Option<int>("--limit", "-n") { Description = "At most this many hits.", DefaultValueFactory = _ => 20 };
        var format = FormatOption();
        var command = new Command("search", "Search the messages of every session.") { text, tag, kind, provider, since, until, limit, format };
        Handle(command, terminal, async (parse, host, ct) =>
        {
            var now = TimeProvider.System.GetLocalNow();
            if (parse.GetValue(limit) < 1) throw new CliException("--limit must be at least 1.", CliExitCode.Usage);
            bool json = parse.GetValue(format) == OutputFormat.Json;
            var query = new SessionSearchQuery
            {
                Text = parse.GetValue(text)!,
                Tags = parse.GetValue(tag) is { } t ? [t] : [],
                Kind = parse.GetValue(kind) is { } k ? new SessionKind(k) : null,
                ProviderName = parse.GetValue(provider),
                From = parse.GetValue(since) is { } s ? ParseWhen(s, "--since", now) : null,
                To = parse.GetValue(until) is { } u ? ParseWhen(u, "--until", now) : null,
                Take = parse.GetValue(limit),
                HighlightStart = json || !terminal.Color ? "[" : "\u001b[1;33m",
                HighlightEnd = json || !terminal.Color ? "]" : "\u001b[0m",
            };
            var hits = new List<SessionSearchHit>();
            await foreach (var hit in host.Sessions.SearchAsync(query, ct)) hits.Add(hit);
            if (json)
            {
                Render.Json(terminal.Out, w =>
                {
                    w.WriteStartArray();
                    foreach (var h in hits)
                    {
                        w.WriteStartObject();
                        w.WriteString("sessionId", h.SessionId);
                        w.WriteString("sessionTitle", h.SessionTitle);
                        if (h.Sequence is { } seq) w.WriteNumber("sequence", seq);
                        else w.WriteNull("sequence");
                        w.WriteString("role", h.Role);
                        w.WriteString("timestamp", h.Timestamp);
                        w.WriteNumber("score", h.Score);
                        w.WriteString("snippet", h.Snippet);
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                });
                return 0;
            }

            if (hits.Count == 0)
            {
                terminal.WriteInfo("No matches.");
                return 0;
            }

            foreach (var h in hits)
            {
                terminal.Out.WriteLine(h.Sequence is { } seq
                    ? $"{h.SessionId} #{seq} {h.Role}: {h.Snippet.ReplaceLineEndings(" ")}"
                    : $"{h.SessionId} (title): {h.Snippet.ReplaceLineEndings(" ")}");
            }

            return 0;
        });
        return command;
    }

    private static Command CreateCommand(Terminal terminal)
    {
        var id = new Argument<string?>("id") { Arity = ArgumentArity.ZeroOrOne, Description = "The new session's id (default: generated)." };
        var title = new Option<string?>("--title") { Description = "The session's title." };
        var tags = new Option<string?>("--tags") { Description = "Comma-separated tags." };
        var system = new Option<string?>("--system") { Description = "The system prompt." };
        var kind = new Option<string?>("--kind") { Description = "The kind of session (chat, plan, edit, or your own)." };
        var meta = new Option<string[]>("--meta") { Description = "Metadata as key=value (repeatable).", AllowMultipleArgumentsPerToken = false };
        var format = FormatOption(OutputFormat.Text);
        var command = new Command("create", "Create an empty session.") { id, title, tags, system, kind, meta, format };
        Handle(command, terminal, async (parse, host, ct) =>
        {
            var builder = host.Sessions.Create(parse.GetValue(id));
            if (parse.GetValue(title) is { } t) builder.WithTitle(t);
            if (parse.GetValue(system) is { } s) builder.WithSystemPrompt(s);
            if (parse.GetValue(kind) is { } k) builder.WithKind(new SessionKind(k));
            var tagList = SplitTags(parse.GetValue(tags));
            if (tagList.Count > 0) builder.WithTags(tagList);
            foreach (string pair in parse.GetValue(meta) ?? [])
            {
                int eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0) throw new CliException($"--meta '{pair}' must be key=value.", CliExitCode.Usage);
                builder.WithMetadata(pair[..eq], pair[(eq + 1)..]);
            }

            if (parse.GetValue(ProviderOption) is { } p) builder.WithProvider(p, parse.GetValue(ModelOption));
            else if (parse.GetValue(ModelOption) is { } m) builder.WithModel(m);
            var session = await builder.CreateAsync(ct);
            if (parse.GetValue(format) == OutputFormat.Json)
            {
                Render.Json(terminal.Out, w => Render.WriteSession(w, session.Info));
            }
            else
            {
                terminal.Out.WriteLine(session.Id);
            }

            return 0;
        });
        return command;
    }

    private static Command RenameCommand(Terminal terminal)
    {
        var id = new Argument<string>("id") { Description = "The session id." };
        var title = new Argument<string>("title") { Description = "The new title." };
        var command = new Command("rename", "Set a session's title.") { id, title };
        Handle(command, terminal, async (parse, host, ct) =>
        {
            var session = await host.Sessions.OpenAsync(await ResolveIdAsync(host.Sessions, parse.GetValue(id)!, ct), ct);
            await session.RenameAsync(parse.GetValue(title)!, ct);
            terminal.WriteInfo($"Renamed {session.Id}.");
            return 0;
        });
        return command;
    }

    private static Command TagCommand(Terminal terminal, bool add)
    {
        var id = new Argument<string>("id") { Description = "The session id." };
        var tags = new Argument<string[]>("tags") { Arity = ArgumentArity.OneOrMore, Description = "The tags." };
        var command = new Command(add ? "tag" : "untag", add ? "Add tags to a session." : "Remove tags from a session.") { id, tags };
        Handle(command, terminal, async (parse, host, ct) =>
        {
            var session = await host.Sessions.OpenAsync(await ResolveIdAsync(host.Sessions, parse.GetValue(id)!, ct), ct);
            var list = parse.GetValue(tags)!.SelectMany(t => SplitTags(t)).ToList();
            if (add) await session.AddTagsAsync(list, ct);
            else await session.RemoveTagsAsync(list, ct);
            terminal.Out.WriteLine(string.Join(", ", session.Tags));
            return 0;
        });
        return command;
    }

    private static Command MetaCommand(Terminal terminal)
    {
        var id = new Argument<string>("id") { Description = "The session id." };
        var key = new Argument<string?>("key") { Arity = ArgumentArity.ZeroOrOne, Description = "The metadata key (omit to list all)." };
        var value = new Argument<string?>("value") { Arity = ArgumentArity.ZeroOrOne, Description = "The value to set (omit to print the key's value)." };
        var remove = new Option<bool>("--remove") { Description = "Remove the key." };
        var format = FormatOption(OutputFormat.Text);
        var command = new Command("meta", "Show or change a session's metadata.") { id, key, value, remove, format };
        Handle(command, terminal, async (parse, host, ct) =>
        {
            var session = await host.Sessions.OpenAsync(await ResolveIdAsync(host.Sessions, parse.GetValue(id)!, ct), ct);
            string? k = parse.GetValue(key);
            string? v = parse.GetValue(value);
            if (parse.GetValue(remove))
            {
                if (k is null) throw new CliException("--remove needs a key.", CliExitCode.Usage);
                await session.RemoveMetadataAsync(k, ct);
                return 0;
            }

            if (k is not null && v is not null)
            {
                await session.SetMetadataAsync(k, v, ct);
                return 0;
            }

            if (k is not null)
            {
                if (!session.Metadata.TryGetValue(k, out var current)) throw new CliException($"Session '{session.Id}' has no metadata key '{k}'.");
                terminal.Out.WriteLine(current);
                return 0;
            }

            if (parse.GetValue(format) == OutputFormat.Json)
            {
                Render.Json(terminal.Out, w =>
                {
                    w.WriteStartObject();
                    foreach (var (mk, mv) in session.Metadata.OrderBy(p => p.Key, StringComparer.Ordinal)) w.WriteString(mk, mv);
                    w.WriteEndObject();
                });
            }
            else
            {
                foreach (var (mk, mv) in session.Metadata.OrderBy(p => p.Key, StringComparer.Ordinal)) terminal.Out.WriteLine($"{mk}={mv}");
            }

            return 0;
        });
        return command;
    }

    private static Command BranchCommand(Terminal terminal)
    {
        var id = new Argument<string>("id") { Description = "The session to branch." };
        var at = new Option<long?>("--at") { Description = "The sequence of the last message to copy (default: all)." };
        var newId = new Option<string?>("--id") { Description = "The new session's id (default: generated)." };
        var command = new Command("branch", "Copy a session (up to a message) into a new session.") { id, at, newId };
        Handle(command, terminal, async (parse, host, ct) =>
        {
            var session = await host.Sessions.OpenAsync(await ResolveIdAsync(host.Sessions, parse.GetValue(id)!, ct), ct);
            var branch = await session.BranchAsync(parse.GetValue(newId), parse.GetValue(at), ct);
            terminal.Out.WriteLine(branch.Id);
            return 0;
        });
        return command;
    }

    private static Command StatsCommand(Terminal terminal)
    {
        var id = new Argument<string?>("id") { Arity = ArgumentArity.ZeroOrOne, Description = "A session (omit for every session)." };
        var format = FormatOption();
        var command = new Command("stats", "Usage and activity statistics for a session or for all sessions.") { id, format };
        Handle(command, terminal, async (parse, host, ct) =>
        {
            bool json = parse.GetValue(format) == OutputFormat.Json;
            if (parse.GetValue(id) is { } one)
            {
                var session = await host.Sessions.OpenAsync(await ResolveIdAsync(host.Sessions, one, ct), ct);
                var s = await session.GetStatisticsAsync(ct);
                var rows = new List<(string, string)>
                {
                    ("session", s.SessionId),
                    ("messages", s.MessageCount.ToString(CultureInfo.InvariantCulture)),
                    ("by role", string.Join(", ", s.MessagesByRole.Select(p => $"{p.Key} {p.Value}"))),
                    ("tool calls", s.ToolCallCount.ToString(CultureInfo.InvariantCulture)),
                    ("characters", s.TotalCharacters.ToString(CultureInfo.InvariantCulture)),
                    ("models", string.Join(", ", s.ModelsUsed)),
                    ("tokens", Render.Tokens(s.Usage.TotalTokens)),
                    ("cost", Render.Money(s.Usage)),
                    ("average response", s.AverageResponseTime is { } art ? $"{art.TotalMilliseconds:0} ms" : "-"),
                    ("duration", s.Duration.ToString(@"d\.hh\:mm\:ss", CultureInfo.InvariantCulture)),
                };
                if (json)
                {
                    Render.Json(terminal.Out, w =>
                    {
                        w.WriteStartObject();
                        w.WriteString("sessionId", s.SessionId);
                        w.WriteNumber("messageCount", s.MessageCount);
                        w.WriteNumber("toolCallCount", s.ToolCallCount);
                        w.WriteNumber("totalCharacters", s.TotalCharacters);
                        w.WritePropertyName("usage");
                        Render.WriteUsage(w, s.Usage);
                        w.WriteStartArray("modelsUsed");
                        foreach (var m in s.ModelsUsed) w.WriteStringValue(m);
                        w.WriteEndArray();
                        w.WriteEndObject();
                    });
                }
                else
                {
                    WriteRows(terminal, rows);
                }

                return 0;
            }

            return await WriteStoreStatisticsAsync(terminal, host, json, ct);
        });
        return command;
    }

    private static void WriteRows(Terminal terminal, IEnumerable<(string Name, string Value)> rows)
    {
        var table = TextTable.WithoutHeaders(2);
        foreach (var (name, value) in rows) table.AddRow(name, value);
        table.Write(terminal.Out, terminal.Color);
    }

    private static Command DeleteCommand(Terminal terminal)
    {
        var ids = new Argument<string[]>("ids") { Arity = ArgumentArity.ZeroOrMore, Description = "The sessions to delete." };
        var olderThan = new Option<string?>("--older-than") { Description = "Every session not updated for this long (30d, 12h, 2w)." };
        var before = new Option<string?>("--before") { Description = "Every session last updated before this date." };
        var all = new Option<bool>("--all") { Description = "Every session." };
        var permanent = new Option<bool>("--permanent") { Description = "Delete now instead of moving to the trash." };
        var dryRun = new Option<bool>("--dry-run") { Description = "List what would be deleted; change nothing." };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation." };
        var command = new Command("delete", "Delete sessions (to the trash unless --permanent).") { ids, olderThan, before, all, permanent, dryRun, yes };
        Handle(command, terminal, async (parse, host, ct) =>
        {
            var now = TimeProvider.System.GetLocalNow();
            var given = parse.GetValue(ids) ?? [];
            int selectors = (given.Length > 0 ? 1 : 0) + (parse.GetValue(olderThan) is null ? 0 : 1) + (parse.GetValue(before) is null ? 0 : 1) + (parse.GetValue(all) ? 1 : 0);
            if (selectors != 1) throw new CliException("Name the sessions to delete: ids, --older-than AGE, --before DATE or --all (one of them).", CliExitCode.Usage);
            var targets = new List<SessionInfo>();
            if (given.Length > 0)
            {
                foreach (string id in given)
                {
                    string resolved = await ResolveIdAsync(host.Sessions, id, ct);
                    targets.Add(await host.Sessions.GetInfoAsync(resolved, ct) ?? throw new CliException($"Session '{resolved}' was not found."));
                }
            }
            else
            {
                DateTimeOffset? cutoff = parse.GetValue(olderThan) is { } age ? ParseWhen(age, "--older-than", now)
                    : parse.GetValue(before) is { } date ? ParseWhen(date, "--before", now) : null;
                await foreach (var info in host.Sessions.ListAsync(new SessionQuery { UpdatedBefore = cutoff }, ct)) targets.Add(info);
            }

            bool toTrash = !parse.GetValue(permanent);
            if (parse.GetValue(dryRun))
            {
                foreach (var t in targets) terminal.Out.WriteLine($"would delete {t.Id}\t{t.Title}\t{t.MessageCount} messages");
                terminal.WriteInfo($"{targets.Count} session(s) would be {(toTrash ? "moved to the trash" : "deleted permanently")}.");
                return 0;
            }

            if (targets.Count == 0)
            {
                terminal.WriteInfo("Nothing to delete.");
                return 0;
            }

            if (!terminal.Confirm($"{(toTrash ? "Move" : "Permanently delete")} {targets.Count} session(s){(toTrash ? " to the trash" : "")}?", parse.GetValue(yes)))
            {
                terminal.WriteInfo("Nothing deleted.");
                return 1;
            }

            int done = 0;
            foreach (var t in targets)
            {
                if (await DeleteOneAsync(host, t.Id, !toTrash, ct)) done++;
            }

            terminal.WriteInfo($"{done} session(s) {(toTrash ? "moved to the trash" : "deleted")}.");
            return 0;
        });
        return command;
    }
}

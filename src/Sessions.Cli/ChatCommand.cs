using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.AI;
using Sessions.Sdk;

namespace Sessions.Cli;

internal static partial class Cli
{
    private static Command ChatCommand(Terminal terminal)
    {
        var message = new Argument<string?>("message") { Arity = ArgumentArity.ZeroOrOne, Description = "The message to send (or pipe it on standard input). Without one, on a terminal, starts an interactive chat." };
        var resume = new Option<bool>("--resume", "-r") { Description = "Continue the most recently updated chat session." };
        var sessionId = new Option<string?>("--session", "-s") { Description = "The session to use (created with this id when it does not exist)." };
        var system = new Option<string?>("--system") { Description = "The system prompt (for a new session, or to change an existing one)." };
        var title = new Option<string?>("--title") { Description = "The title of a new session (default: from the first message)." };
        var tags = new Option<string?>("--tags") { Description = "Comma-separated tags for a new session." };
        var interactive = new Option<bool>("--interactive", "-i") { Description = "Run the interactive loop even when standard input is not a terminal." };
        var command = new Command("chat", "Chat with a model: answer one message, or an interactive loop with streaming replies.") { message, resume, sessionId, system, title, tags, interactive };
        Handle(command, terminal, async (parse, host, ct) =>
        {
            string? text = parse.GetValue(message);
            bool loop = parse.GetValue(interactive) || (text is null && terminal.InputIsTerminal);
            if (text is null && !loop)
            {
                text = await terminal.In.ReadToEndAsync(ct);
                if (string.IsNullOrWhiteSpace(text)) throw new CliException("No message: pass one as an argument or on standard input.", CliExitCode.Usage);
            }

            var session = await OpenChatAsync(host, parse, resume, sessionId, system, title, tags, ct);
            terminal.WriteInfo($"session {session.Id}{(session.MessageCount > 0 ? $" ({session.MessageCount} messages)" : "")}");
            if (text is not null)
            {
                await SendAsync(terminal, session, text, parse.GetValue(title) is null, ct);
                if (!loop) return 0;
            }

            return await InteractiveAsync(terminal, host, session, parse.GetValue(title) is null, ct);
        }, needsModel: true);
        return command;
    }

    private static async Task<Session> OpenChatAsync(CliHost host, ParseResult parse, Option<bool> resume, Option<string?> sessionId,
        Option<string?> system, Option<string?> title, Option<string?> tags, CancellationToken ct)
    {
        Session? session = null;
        if (parse.GetValue(sessionId) is { } id)
        {
            session = await host.Sessions.TryOpenAsync(id, ct);
            session ??= await NewChat(host, parse, id, system, title, tags).CreateAsync(ct);
        }
        else if (parse.GetValue(resume))
        {
            session = await host.Sessions.ResumeLastAsync(SessionKind.Chat, ct);
        }

        if (session is null)
        {
            return await NewChat(host, parse, null, system, title, tags).CreateAsync(ct);
        }

        if (parse.GetValue(system) is { } prompt && prompt != session.SystemPrompt)
        {
            await session.SetSystemPromptAsync(prompt, ct);
        }

        if (parse.GetValue(ProviderOption) is { } p && (p != session.ProviderName || parse.GetValue(ModelOption) is { } m2 && m2 != session.ModelId))
        {
            await session.SetProviderAsync(p, parse.GetValue(ModelOption), ct);
        }

        return session;
    }

    private static SessionBuilder NewChat(CliHost host, ParseResult parse, string? id, Option<string?> system, Option<string?> title, Option<string?> tags)
    {
        var builder = host.Sessions.Create(id).WithKind(SessionKind.Chat);
        if (parse.GetValue(title) is { } t) builder.WithTitle(t);
        if (parse.GetValue(system) is { } s) builder.WithSystemPrompt(s);
        var tagList = SplitTags(parse.GetValue(tags));
        if (tagList.Count > 0) builder.WithTags(tagList);
        if (parse.GetValue(ProviderOption) is { } p) builder.WithProvider(p, parse.GetValue(ModelOption));
        else if (parse.GetValue(ModelOption) is { } m) builder.WithModel(m);
        return builder;
    }

    /// <summary>Streams one reply to standard output. Cancelling stores no half reply (the SDK's guarantee).</summary>
    private static async Task SendAsync(Terminal terminal, Session session, string text, bool autoTitle, CancellationToken ct)
    {
        bool first = session.MessageCount == 0;
        await foreach (var update in session.StreamAsync(text.Trim(), cancellationToken: ct))
        {
            if (update.Text is { Length: > 0 } chunk)
            {
                terminal.Out.Write(chunk);
                terminal.Out.Flush();
            }
        }

        terminal.Out.WriteLine();
        if (first && autoTitle && string.IsNullOrEmpty(session.Title))
        {
            string line = text.Trim().ReplaceLineEndings(" ");
            await session.RenameAsync(line.Length <= 60 ? line : string.Concat(line.AsSpan(0, 57), "..."), CancellationToken.None);
        }
    }

    private const string ChatHelp = """
        /help            this list
        /clear           delete this session's messages
        /save            save now (every change is already saved as it happens)
        /load ID         switch to another session
        /history [N]     show the last N messages (default 20)
        /tools           list the tools the model may call
        /stats           usage and statistics of this session
        /export [FILE]   write this session as Markdown (to FILE or the screen)
        /branch [ID]     copy this session into a new one and continue there
        /exit            leave (Ctrl+D too); Ctrl+C cancels a reply, twice leaves
        """;

    private static async Task<int> InteractiveAsync(Terminal terminal, CliHost host, Session session, bool autoTitle, CancellationToken ct)
    {
        using var interrupts = new ReplyInterrupts();
        if (terminal.InputIsTerminal) terminal.WriteInfo("Type a message, /help for commands, /exit to leave.");
        while (!ct.IsCancellationRequested)
        {
            terminal.Out.Write(terminal.Color ? "\u001b[1;32myou>\u001b[0m " : "you> ");
            terminal.Out.Flush();
            string? line = await terminal.In.ReadLineAsync(ct);
            if (line is null) break; // end of input
            line = line.Trim();
            if (line.Length == 0) continue;
            if (line.StartsWith('/'))
            {
                string[] parts = line.Split(' ', 2, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                string arg = parts.Length > 1 ? parts[1] : "";
                try
                {
                    switch (parts[0].ToLowerInvariant())
                    {
                        case "/exit" or "/quit":
                            return 0;
                        case "/help":
                            terminal.Out.WriteLine(ChatHelp);
                            break;
                        case "/clear":
                            await session.ClearAsync(ct);
                            terminal.Out.WriteLine("Cleared.");
                            break;
                        case "/save":
                            await session.SaveAsync(ct);
                            terminal.Out.WriteLine($"Saved {session.Id} ({session.MessageCount} messages).");
                            break;
                        case "/load":
                            if (arg.Length == 0) throw new CliException("/load needs a session id.");
                            session = await host.Sessions.OpenAsync(await ResolveIdAsync(host.Sessions, arg, ct), ct);
                            terminal.Out.WriteLine($"Loaded {session.Id} ({session.MessageCount} messages).");
                            break;
                        case "/history":
                            int n = arg.Length == 0 ? 20 : int.TryParse(arg, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v > 0 ? v : throw new CliException("/history takes a positive number.");
                            foreach (var m in await session.GetMessagesAsync(MessageRange.Last(n), ct))
                            {
                                terminal.Out.WriteLine(Render.MessageText(m, markdown: false));
                            }

                            break;
                        case "/tools":
                            terminal.Out.WriteLine(session.Tools.Count == 0 ? "No tools are registered." : string.Join(Environment.NewLine, session.Tools.Select(t => $"{t.Name}: {t.Description}")));
                            break;
                        case "/stats":
                            var s = await session.GetStatisticsAsync(ct);
                            terminal.Out.WriteLine($"{s.MessageCount} messages ({string.Join(", ", s.MessagesByRole.Select(p => $"{p.Key} {p.Value}"))}), {Render.Tokens(s.Usage.TotalTokens)} tokens, cost {Render.Money(s.Usage)}{(s.AverageResponseTime is { } art ? $", average response {art.TotalMilliseconds:0} ms" : "")}");
                            break;
                        case "/export":
                            await ExportSessionMarkdownAsync(terminal, host, session, arg.Length == 0 ? null : arg, ct);
                            break;
                        case "/branch":
                            session = await session.BranchAsync(arg.Length == 0 ? null : arg, null, ct);
                            terminal.Out.WriteLine($"Branched into {session.Id}; continuing there.");
                            break;
                        default:
                            terminal.Out.WriteLine($"Unknown command {parts[0]}. Type /help.");
                            break;
                    }
                }
                catch (Exception ex) when (ex is CliException or SessionsException or ArgumentException)
                {
                    Report(terminal, ex, verbose: false);
                }

                continue;
            }

            using var reply = interrupts.BeginReply(ct);
            try
            {
                await SendAsync(terminal, session, line, autoTitle, reply.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested && !interrupts.ExitRequested)
            {
                terminal.Out.WriteLine();
                terminal.WriteInfo("Reply cancelled (nothing of it was stored).");
            }
            catch (Exception ex) when (ex is ChatProviderException or SessionsException or InvalidOperationException)
            {
                Report(terminal, ex, verbose: false);
            }

            if (interrupts.ExitRequested) return CliExitCode.Cancelled;
        }

        return 0;
    }

    /// <summary>Ctrl+C while a reply streams cancels that reply; a second Ctrl+C (or one at the prompt) leaves.</summary>
    private sealed class ReplyInterrupts : IDisposable
    {
        private Reply? _current;

        public ReplyInterrupts() => Console.CancelKeyPress += OnCancel;

        public bool ExitRequested { get; private set; }

        public Reply BeginReply(CancellationToken outer) => _current = new Reply(this, CancellationTokenSource.CreateLinkedTokenSource(outer));

        private void OnCancel(object? sender, ConsoleCancelEventArgs e)
        {
            var current = _current;
            if (current is null || current.Cancelled)
            {
                ExitRequested = true; // at the prompt, or the second press during a reply: leave
                e.Cancel = current is not null;
                current?.Cancel();
                return;
            }

            e.Cancel = true; // keep the loop; cancel only this reply
            current.Cancel();
        }

        public void Dispose() => Console.CancelKeyPress -= OnCancel;

        public sealed class Reply(ReplyInterrupts owner, CancellationTokenSource cts) : IDisposable
        {
            private int _cancelled;

            public CancellationToken Token => cts.Token;

            public bool Cancelled => Volatile.Read(ref _cancelled) != 0;

            public void Cancel()
            {
                Interlocked.Exchange(ref _cancelled, 1);
                try
                {
                    cts.Cancel();
                }
                catch (ObjectDisposedException)
                {
                }
            }

            public void Dispose()
            {
                Interlocked.CompareExchange(ref owner._current, null, this);
                cts.Dispose();
            }
        }
    }
}

using System.CommandLine;
using System.Globalization;
using Sessions.Sdk;

namespace Sessions.Cli;

/// <summary>The command tree, the shared options and the one place errors become a line on stderr and an exit code.</summary>
internal static partial class Cli
{
    public static readonly Option<string?> StoreOption = new("--store")
    {
        Description = "Where sessions are stored: a folder (file store), sqlite:<path>, or postgres (connection string from SESSIONS_POSTGRES). Default: SESSIONS_STORE, else the SDK's per-user file store.",
        Recursive = true,
    };

    public static readonly Option<string?> ProviderOption = new("--provider")
    {
        Description = "The model provider: openai (OPENAI_API_KEY, OPENAI_BASE_URL), anthropic (ANTHROPIC_API_KEY), or demo (an offline echo model, no key).",
        Recursive = true,
    };

    public static readonly Option<string?> ModelOption = new("--model", "-m")
    {
        Description = "The model id.",
        Recursive = true,
    };

    public static readonly Option<bool> VerboseOption = new("--verbose")
    {
        Description = "Show full error details (stack traces).",
        Recursive = true,
    };

    public static Option<OutputFormat> FormatOption(OutputFormat defaultFormat = OutputFormat.Table) => new("--format")
    {
        Description = "Output format: table (for people), json (stable field names, for scripts), markdown or text.",
        DefaultValueFactory = _ => defaultFormat,
        CustomParser = r =>
        {
            string value = r.Tokens.Count == 0 ? defaultFormat.ToString() : r.Tokens[0].Value;
            // Names only (not numbers), matched without Enum.TryParse's reflection over the enum, which a new process pays for.
            OutputFormat? format = value.ToUpperInvariant() switch
            {
                "TABLE" => OutputFormat.Table,
                "JSON" => OutputFormat.Json,
                "MARKDOWN" => OutputFormat.Markdown,
                "TEXT" => OutputFormat.Text,
                _ => null,
            };
            if (format is { } known) return known;
            r.AddError($"Unknown format '{value}'. Use table, json, markdown or text.");
            return defaultFormat;
        },
    };

    public static async Task<int> RunAsync(string[] args)
    {
        // A command (not help or --version) builds the SDK's container: its own code compiles on another core meanwhile.
        if (CommandName(args) is not null) CliHost.StartWarmUp();
        var terminal = new Terminal();
        var root = BuildRoot(terminal, args);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                terminal.WriteError(error.Message);
            }

            terminal.WriteInfo("Run 'sessions --help' for usage.");
            return CliExitCode.Usage;
        }

        // Ctrl+C is handled by the commands themselves (a reply is cancelled; a second press exits).
        return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, Output = terminal.Out, Error = terminal.Error });
    }

    /// <summary>The commands by name; each is built only when needed (startup cost is per command, not per tool).</summary>
    private static readonly (string Name, Func<Terminal, Command> Build)[] Commands =
    [
        ("chat", ChatCommand), ("list", ListCommand), ("show", ShowCommand), ("search", SearchCommand), ("create", CreateCommand),
        ("rename", RenameCommand), ("tag", t => TagCommand(t, add: true)), ("untag", t => TagCommand(t, add: false)), ("meta", MetaCommand),
        ("stats", StatsCommand), ("branch", BranchCommand), ("delete", DeleteCommand), ("export", ExportCommand), ("import", ImportCommand),
        ("trash", TrashCommand), ("merge", MergeCommand), ("plan", PlanCommand), ("edit", EditCommand),
    ];

    private static RootCommand BuildRoot(Terminal terminal, string[] args)
    {
        var root = new RootCommand("sessions: persistent, resumable AI conversations, plans and edits, and session management, from the terminal.")
        {
            StoreOption, ProviderOption, ModelOption, VerboseOption,
        };

        // The command a run names is all that is built for it; without one (help, a typo), every command is, for the
        // help text and suggestions.
        string? named = CommandName(args);
        foreach (var (name, build) in Commands)
        {
            if (named is null || named == name)
            {
                root.Subcommands.Add(build(terminal));
            }
        }

        return root;
    }

    /// <summary>The first argument that names a command, skipping the root options and their values; null when there is none.</summary>
    private static string? CommandName(string[] args)
    {
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (a is "--store" or "--provider" or "--model" or "-m")
            {
                i++;
                continue;
            }

            if (a.StartsWith('-'))
            {
                continue;
            }

            foreach (var (name, _) in Commands)
            {
                if (name == a) return a;
            }

            return null;
        }

        return null;
    }

    /// <summary>Runs a command's body with the SDK host, turning every failure into one clear line and an exit code.</summary>
    public static void Handle(Command command, Terminal terminal, Func<ParseResult, CliHost, CancellationToken, Task<int>> body, bool needsModel = false, Action<ISessionsBuilder>? configure = null)
    {
        command.SetAction(async (parse, cancellationToken) =>
        {
            bool verbose = parse.GetValue(VerboseOption);
            try
            {
                await using var host = CliHost.Create(parse.GetValue(StoreOption), parse.GetValue(ProviderOption), parse.GetValue(ModelOption), configure);
                if (needsModel)
                {
                    host.RequireProvider();
                }

                return await body(parse, host, cancellationToken);
            }
            catch (Exception ex)
            {
                return Report(terminal, ex, verbose);
            }
        });
    }

    public static int Report(Terminal terminal, Exception ex, bool verbose)
    {
        int code = ex switch
        {
            CliException cli => cli.ExitCode,
            OperationCanceledException => CliExitCode.Cancelled,
            ArgumentException => CliExitCode.Usage,
            _ => CliExitCode.Failure,
        };
        string message = ex switch
        {
            OperationCanceledException => "Cancelled.",
            ChatProviderException p => $"The model provider failed{(p.StatusCode is { } s ? $" (HTTP {(int)s})" : "")}: {FirstLine(p.Message)}",
            _ => FirstLine(ex.Message),
        };
        terminal.WriteError(message);
        if (verbose)
        {
            terminal.Error.WriteLine(ex.ToString());
        }

        return code;
    }

    private static string FirstLine(string message)
    {
        int end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }

    /// <summary>Finds a session by id or unambiguous id prefix; a miss suggests close ids.</summary>
    public static async Task<string> ResolveIdAsync(ISessionManager sessions, string idOrPrefix, CancellationToken cancellationToken)
    {
        if (SessionIdLooksValid(idOrPrefix) && await sessions.ExistsAsync(idOrPrefix, cancellationToken))
        {
            return idOrPrefix;
        }

        var ids = new List<string>();
        await foreach (var info in sessions.ListAsync(SessionQuery.All, cancellationToken))
        {
            ids.Add(info.Id);
        }

        var prefixed = ids.Where(i => i.StartsWith(idOrPrefix, StringComparison.OrdinalIgnoreCase)).ToList();
        if (prefixed.Count == 1)
        {
            return prefixed[0];
        }

        if (prefixed.Count > 1)
        {
            throw new CliException($"'{idOrPrefix}' matches {prefixed.Count} sessions ({string.Join(", ", prefixed.Take(5))}{(prefixed.Count > 5 ? ", …" : "")}); give more of the id.");
        }

        var close = ids
            .Select(i => (Id: i, Distance: Distance(i, idOrPrefix)))
            .Where(p => p.Distance <= Math.Max(2, idOrPrefix.Length / 3) || p.Id.Contains(idOrPrefix, StringComparison.OrdinalIgnoreCase))
            .OrderBy(p => p.Distance).ThenBy(p => p.Id, StringComparer.Ordinal)
            .Take(3).Select(p => p.Id).ToList();
        throw new CliException(close.Count == 0
            ? $"Session '{idOrPrefix}' was not found. Run 'sessions list' to see the sessions."
            : $"Session '{idOrPrefix}' was not found. Did you mean {string.Join(" or ", close.Select(c => $"'{c}'"))}?");
    }

    private static bool SessionIdLooksValid(string id)
    {
        try
        {
            SessionIds.Validate(id);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    /// <summary>Parses a date (2024-01-31, ISO 8601) or an age (30d, 12h, 2w, 45m) into a point in time.</summary>
    public static DateTimeOffset ParseWhen(string value, string option, DateTimeOffset now)
    {
        value = value.Trim();
        if (value.Length >= 2 && char.IsDigit(value[0]) && "mhdw".Contains(char.ToLowerInvariant(value[^1]), StringComparison.Ordinal)
            && int.TryParse(value.AsSpan(0, value.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out int n))
        {
            return char.ToLowerInvariant(value[^1]) switch
            {
                'm' => now.AddMinutes(-n),
                'h' => now.AddHours(-n),
                'd' => now.AddDays(-n),
                _ => now.AddDays(-7 * n),
            };
        }

        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var when))
        {
            return when;
        }

        throw new CliException($"{option}: '{value}' is not a date (2024-01-31) or an age (30d, 12h, 2w).", CliExitCode.Usage);
    }

    public static IReadOnlyList<string> SplitTags(string? tags) =>
        string.IsNullOrWhiteSpace(tags) ? [] : tags.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

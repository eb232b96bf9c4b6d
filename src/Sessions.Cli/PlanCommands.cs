using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Sessions.Sdk;
using Spectre.Console;

namespace Sessions.Cli;

/// <summary>`sessions plan …`: plan sessions on the public planning API (IPlanSessionManager).</summary>
internal static partial class Cli
{
    private static readonly Action<ISessionsBuilder> WithPlanning = b => b.AddPlanning();

    private static Command PlanCommand(Terminal terminal)
    {
        var goal = new Argument<string?>("goal") { Arity = ArgumentArity.ZeroOrOne, Description = "What the plan should achieve; the model writes the plan." };
        var options = new PlanRunOptions();
        var resume = new Option<bool>("--resume") { Description = "Resume the most recent plan (or --plan ID): run its unfinished steps." };
        var planId = new Option<string?>("--plan") { Description = "With --resume: the plan to resume (id or unambiguous prefix)." };
        var command = new Command("plan", "Plan sessions: the model writes a plan of dependent steps; review it (approve, reject, edit), then run it with live progress. Subcommands show, status, approve, reject, run and resume work on stored plans.")
        {
            goal, resume, planId,
        };
        options.AddTo(command, execute: true);
        Handle(command, terminal, async (parse, host, ct) =>
        {
            string? text = parse.GetValue(goal);
            if (parse.GetValue(resume))
            {
                if (text is not null) throw new CliException("Give a goal to create a plan, or --resume to resume one, not both.", CliExitCode.Usage);
                var session = await OpenPlanAsync(host, parse.GetValue(planId), ct);
                return await RunPlanAsync(terminal, session, options.Read(parse, execute: true), ct);
            }

            if (string.IsNullOrWhiteSpace(text)) throw new CliException("Give the plan's goal, e.g. sessions plan \"Build a REST API with authentication\" (or --resume).", CliExitCode.Usage);
            return await CreatePlanAsync(terminal, host, text, options.Read(parse, execute: null), ct);
        }, needsModel: true, configure: WithPlanning);

        command.Subcommands.Add(PlanCreateCommand(terminal));
        command.Subcommands.Add(PlanShowCommand(terminal));
        command.Subcommands.Add(PlanStatusCommand(terminal));
        command.Subcommands.Add(PlanApproveCommand(terminal));
        command.Subcommands.Add(PlanRejectCommand(terminal));
        command.Subcommands.Add(PlanRunCommand(terminal, "run", "Run an approved plan's unfinished steps with live progress (asks for approval first when needed)."));
        command.Subcommands.Add(PlanRunCommand(terminal, "resume", "Resume a plan (default: the most recent): run its unfinished steps; completed steps never run again."));
        return command;
    }

    private static Command PlanCreateCommand(Terminal terminal)
    {
        var goal = new Argument<string>("goal") { Description = "What the plan should achieve; the model writes the plan." };
        var options = new PlanRunOptions();
        var command = new Command("create", "Have the model write a plan for a goal, show it and ask Approve this plan? [y/n/edit].") { goal };
        options.AddTo(command, execute: true);
        Handle(command, terminal, (parse, host, ct) => CreatePlanAsync(terminal, host, parse.GetValue(goal)!, options.Read(parse, execute: null), ct),
            needsModel: true, configure: WithPlanning);
        return command;
    }

    private static Command PlanShowCommand(Terminal terminal)
    {
        var id = new Argument<string?>("id") { Arity = ArgumentArity.ZeroOrOne, Description = "The plan (session id or unambiguous prefix); default: the most recent plan." };
        var format = FormatOption(OutputFormat.Text);
        var command = new Command("show", "Show a plan: its steps, dependencies, statuses and outputs.") { id, format };
        Handle(command, terminal, async (parse, host, ct) =>
        {
            var plan = (await OpenPlanAsync(host, parse.GetValue(id), ct)).Plan;
            switch (parse.GetValue(format))
            {
                case OutputFormat.Json:
                    Render.Json(terminal.Out, w => WritePlan(w, plan));
                    break;
                case OutputFormat.Markdown:
                    terminal.Out.WriteLine(plan.ToMarkdown());
                    break;
                default:
                    terminal.Out.Write(PlanText(plan, outputs: true));
                    break;
            }

            return 0;
        }, configure: WithPlanning);
        return command;
    }

    private static Command PlanStatusCommand(Terminal terminal)
    {
        var id = new Argument<string?>("id") { Arity = ArgumentArity.ZeroOrOne, Description = "The plan; default: the most recent plan." };
        var format = FormatOption();
        var command = new Command("status", "Show a plan's status and each step's status.") { id, format };
        Handle(command, terminal, async (parse, host, ct) =>
        {
            var plan = (await OpenPlanAsync(host, parse.GetValue(id), ct)).Plan;
            if (parse.GetValue(format) == OutputFormat.Json)
            {
                Render.Json(terminal.Out, w => WritePlan(w, plan));
                return 0;
            }

            int done = plan.Steps.Count(s => s.Status == PlanStepStatus.Completed);
            terminal.Out.WriteLine($"Plan {plan.Id}: {plan.Title} — {Name(plan.Status)}, {done}/{plan.Steps.Count} steps completed");
            if (parse.GetValue(format) == OutputFormat.Table)
            {
                var table = new TextTable("#", "Step", "Title", "Status", "Attempts", "Depends on").AlignRight(0, 4);
                int n = 0;
                foreach (var s in plan.Steps)
                {
                    table.AddRow((++n).ToString(CultureInfo.InvariantCulture), s.Id, s.Title, Name(s.Status),
                        s.Attempts.ToString(CultureInfo.InvariantCulture), string.Join(", ", s.Dependencies));
                }

                table.Write(terminal.Out, terminal.Color);
            }
            else
            {
                foreach (var s in plan.Steps) terminal.Out.WriteLine($"{s.Id}\t{Name(s.Status)}\t{s.Attempts}\t{s.Title}");
            }

            return 0;
        }, configure: WithPlanning);
        return command;
    }

    private static Command PlanApproveCommand(Terminal terminal)
    {
        var id = new Argument<string?>("id") { Arity = ArgumentArity.ZeroOrOne, Description = "The plan; default: the most recent plan." };
        var options = new PlanRunOptions();
        var command = new Command("approve", "Approve a plan (persisted: a restart keeps it); with --execute, run it too.") { id };
        options.AddTo(command, execute: true);
        Handle(command, terminal, async (parse, host, ct) =>
        {
            var run = options.Read(parse, execute: null);
            if (run.Execute) host.RequireProvider();
            var session = await OpenPlanAsync(host, parse.GetValue(id), ct);
            await session.ApproveAsync(ct);
            if (!run.Execute)
            {
                if (run.Format == OutputFormat.Json) Render.Json(terminal.Out, w => WritePlan(w, session.Plan));
                else terminal.WriteInfo($"Plan approved! Run 'sessions plan run {session.Plan.Id}' to execute.");
                return 0;
            }

            return await RunPlanAsync(terminal, session, run with { Yes = true }, ct);
        }, configure: WithPlanning);
        return command;
    }

    private static Command PlanRejectCommand(Terminal terminal)
    {
        var id = new Argument<string?>("id") { Arity = ArgumentArity.ZeroOrOne, Description = "The plan; default: the most recent plan." };
        var reason = new Option<string?>("--reason") { Description = "Why, kept with the plan." };
        var command = new Command("reject", "Reject a plan: it will not run unless approved later.") { id, reason };
        Handle(command, terminal, async (parse, host, ct) =>
        {
            var session = await OpenPlanAsync(host, parse.GetValue(id), ct);
            await session.RejectAsync(parse.GetValue(reason), ct);
            terminal.WriteInfo($"Plan {session.Plan.Id} rejected.");
            return 0;
        }, configure: WithPlanning);
        return command;
    }

    private static Command PlanRunCommand(Terminal terminal, string name, string description)
    {
        var id = new Argument<string?>("id") { Arity = ArgumentArity.ZeroOrOne, Description = "The plan; default: the most recent plan." };
        var options = new PlanRunOptions();
        var command = new Command(name, description) { id };
        options.AddTo(command, execute: false);
        Handle(command, terminal, async (parse, host, ct) =>
        {
            var run = options.Read(parse, execute: true);
            var session = await OpenPlanAsync(host, parse.GetValue(id), ct);
            return await RunPlanAsync(terminal, session, run, ct);
        }, needsModel: true, configure: WithPlanning);
        return command;
    }

    /// <summary>The options shared by the commands that create or run plans.</summary>
    private sealed class PlanRunOptions
    {
        private readonly Option<bool> _execute = new("--execute", "-x") { Description = "Run the plan once it is approved, with live progress." };
        private readonly Option<bool> _dryRun = new("--dry-run") { Description = "Show which steps would run, in which order (waves of parallel steps); run nothing." };
        private readonly Option<bool> _yes = new("--yes", "-y") { Description = "Approve without asking (needed when standard input is not a terminal)." };
        private readonly Option<bool> _interactive = new("--interactive", "-i") { Description = "Ask Approve this plan? [y/n/edit] even when standard input is not a terminal." };
        private readonly Option<OutputFormat> _format = FormatOption(OutputFormat.Text);

        public void AddTo(Command command, bool execute)
        {
            if (execute) command.Options.Add(_execute);
            command.Options.Add(_dryRun);
            command.Options.Add(_yes);
            command.Options.Add(_interactive);
            command.Options.Add(_format);
        }

        public PlanRun Read(ParseResult parse, bool? execute) => new(
            execute ?? parse.GetValue(_execute),
            parse.GetValue(_dryRun),
            parse.GetValue(_yes),
            parse.GetValue(_interactive),
            parse.GetValue(_format));
    }

    private sealed record PlanRun(bool Execute, bool DryRun, bool Yes, bool Interactive, OutputFormat Format)
    {
        public bool Json => Format == OutputFormat.Json;
    }

    private static async Task<PlanSession> OpenPlanAsync(CliHost host, string? idOrPrefix, CancellationToken ct)
    {
        var plans = host.Services.GetRequiredService<IPlanSessionManager>();
        string id;
        if (idOrPrefix is null)
        {
            SessionInfo? last = null;
            await foreach (var info in host.Sessions.ListAsync(new SessionQuery { Kind = SessionKind.Plan, OrderBy = SessionSortField.UpdatedAt, Descending = true, Take = 1 }, ct))
            {
                last = info;
            }

            id = last?.Id ?? throw new CliException("There is no plan yet. Create one with: sessions plan \"GOAL\".");
        }
        else
        {
            id = await ResolveIdAsync(host.Sessions, idOrPrefix, ct);
        }

        try
        {
            return await plans.OpenAsync(id, ct);
        }
        catch (ArgumentException ex) when (ex.ParamName == "planId")
        {
            throw new CliException($"Session '{id}' is not a plan (run 'sessions list --kind plan' to see the plans).");
        }
    }

    private static async Task<int> CreatePlanAsync(Terminal terminal, CliHost host, string goal, PlanRun run, CancellationToken ct)
    {
        bool ask = !run.Yes && !run.DryRun && (terminal.InputIsTerminal || run.Interactive);
        if (run.Execute && !run.Yes && !ask)
        {
            // Checked before the model is called, so a refused run stores nothing.
            throw new CliException("--execute needs approval: pass --yes to approve without asking when standard input is not a terminal.", CliExitCode.Usage);
        }

        var plans = host.Services.GetRequiredService<IPlanSessionManager>();
        var session = await terminal.WithStatusAsync("Writing the plan…", () => plans.CreateAsync(goal, ct));
        if (!run.Json) terminal.Out.Write(PlanText(session.Plan, outputs: false));

        if (run.DryRun)
        {
            return await DryRunAsync(terminal, session, run, ct);
        }

        if (run.Yes)
        {
            await session.ApproveAsync(ct);
        }
        else if (ask)
        {
            if (!await AskApprovalAsync(terminal, session, run, ct)) return CliExitCode.Failure;
        }
        else
        {
            if (run.Json) Render.Json(terminal.Out, w => WritePlan(w, session.Plan));
            terminal.WriteInfo($"Plan {session.Plan.Id} is stored, awaiting approval: run 'sessions plan approve {session.Plan.Id}' (or pass --yes).");
            return 0;
        }

        if (!run.Execute)
        {
            if (run.Json) Render.Json(terminal.Out, w => WritePlan(w, session.Plan));
            terminal.WriteInfo($"Plan approved! Run 'sessions plan run {session.Plan.Id}' to execute.");
            return 0;
        }

        return await RunPlanAsync(terminal, session, run, ct);
    }

    /// <summary>Asks Approve this plan? [y/n/edit]: y approves, n rejects, edit asks what to change and has the model revise the plan.</summary>
    private static async Task<bool> AskApprovalAsync(Terminal terminal, PlanSession session, PlanRun run, CancellationToken ct)
    {
        while (true)
        {
            terminal.Error.Write(terminal.Color ? "\u001b[1mApprove this plan? [y/n/edit]:\u001b[0m " : "Approve this plan? [y/n/edit]: ");
            terminal.Error.Flush();
            string? answer = (await terminal.In.ReadLineAsync(ct))?.Trim().ToLowerInvariant();
            switch (answer)
            {
                case "y" or "yes":
                    await session.ApproveAsync(ct);
                    return true;
                case "n" or "no":
                    await session.RejectAsync("rejected at the prompt", ct);
                    terminal.WriteInfo($"Plan {session.Plan.Id} rejected; it stays stored and will not run.");
                    return false;
                case "e" or "edit":
                    terminal.Error.Write("What should change? ");
                    terminal.Error.Flush();
                    string? change = await terminal.In.ReadLineAsync(ct);
                    if (string.IsNullOrWhiteSpace(change)) continue;
                    await terminal.WithStatusAsync("Revising the plan…", async () =>
                    {
                        await session.ReviseAsync(change.Trim(), ct);
                        return 0;
                    });
                    if (!run.Json) terminal.Out.Write(PlanText(session.Plan, outputs: false));
                    continue;
                case null:
                    terminal.WriteInfo($"No answer; plan {session.Plan.Id} stays stored, awaiting approval.");
                    return false;
                default:
                    terminal.WriteInfo("Answer y (approve), n (reject) or edit (describe a change).");
                    continue;
            }
        }
    }

    private static async Task<int> RunPlanAsync(Terminal terminal, PlanSession session, PlanRun run, CancellationToken ct)
    {
        var plan = session.Plan;
        if (run.DryRun)
        {
            return await DryRunAsync(terminal, session, run, ct);
        }

        if (plan.Status == PlanStatus.Completed)
        {
            if (run.Json) Render.Json(terminal.Out, w => WritePlanResult(w, new PlanResult { Plan = plan }));
            else terminal.WriteInfo($"Plan {plan.Id} is already completed; nothing to run.");
            return 0;
        }

        if (plan.ApprovedAt is null || plan.Status == PlanStatus.Cancelled && plan.RejectionReason is not null)
        {
            if (!run.Json) terminal.Out.Write(PlanText(plan, outputs: false));
            if (run.Yes)
            {
                await session.ApproveAsync(ct);
            }
            else if (terminal.InputIsTerminal || run.Interactive)
            {
                if (!await AskApprovalAsync(terminal, session, run, ct)) return CliExitCode.Failure;
            }
            else
            {
                throw new CliException($"Plan {plan.Id} is not approved: run 'sessions plan approve {plan.Id}' or pass --yes.", CliExitCode.Usage);
            }
        }

        var progress = new PlanProgressWriter(terminal, quiet: run.Json);
        PlanResult result;
        if (terminal.Color && !run.Json)
        {
            result = await terminal.Ansi.Status().Spinner(Spinner.Known.Dots).StartAsync($"Running {Markup.Escape(session.Plan.Title)}…", async ctx =>
            {
                progress.Status = ctx;
                return await session.ExecuteAsync(progress: progress, cancellationToken: ct);
            });
        }
        else
        {
            result = await session.ExecuteAsync(progress: progress, cancellationToken: ct);
        }

        if (run.Json)
        {
            Render.Json(terminal.Out, w => WritePlanResult(w, result));
        }
        else
        {
            int done = result.Plan.Steps.Count(s => s.Status == PlanStepStatus.Completed);
            terminal.Out.WriteLine($"Plan {Name(result.Status)} in {result.Duration.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s: {done}/{result.Plan.Steps.Count} steps completed, {result.ExecutedStepIds.Count} ran now.");
            foreach (var failed in result.Plan.Steps.Where(s => s.Status is PlanStepStatus.Failed or PlanStepStatus.TimedOut))
            {
                terminal.WriteError($"step {failed.Id} {Name(failed.Status)}: {failed.Error}");
            }
        }

        if (!result.Succeeded)
        {
            terminal.WriteInfo($"Run 'sessions plan resume {result.Plan.Id}' to run the unfinished steps again.");
            return CliExitCode.Failure;
        }

        return 0;
    }

    private static async Task<int> DryRunAsync(Terminal terminal, PlanSession session, PlanRun run, CancellationToken ct)
    {
        var result = await session.ExecuteAsync(new PlanExecutionOptions { DryRun = true }, cancellationToken: ct);
        if (run.Json)
        {
            Render.Json(terminal.Out, w => WritePlanResult(w, result));
        }
        else
        {
            terminal.Out.WriteLine($"Dry run: {result.Schedule.Sum(w => w.Count)} step(s) would run, in {result.Schedule.Count} wave(s) (steps of a wave run in parallel):");
            int n = 0;
            foreach (var wave in result.Schedule)
            {
                terminal.Out.WriteLine($"  wave {++n}: {string.Join(", ", wave)}");
            }
        }

        terminal.WriteInfo($"Nothing ran. Plan {result.Plan.Id} is {Name(result.Plan.Status)}.");
        return 0;
    }

    /// <summary>Writes each persisted step change as it happens, in order (not through a synchronization context).</summary>
    private sealed class PlanProgressWriter(Terminal terminal, bool quiet) : IProgress<PlanProgress>
    {
        private readonly Lock _lock = new();

        public StatusContext? Status { get; set; }

        public void Report(PlanProgress value)
        {
            if (quiet || value.Step is not { } step) return;
            lock (_lock)
            {
                string counter = $"({value.CompletedSteps}/{value.TotalSteps})";
                switch (value.Kind)
                {
                    case PlanProgressKind.StepStarted:
                        if (Status is { } ctx) ctx.Status($"Running {Markup.Escape(step.Id)}: {Markup.Escape(step.Title)} {counter}");
                        else terminal.Out.WriteLine($"  ▶ {step.Id} {step.Title} {counter}");
                        break;
                    case PlanProgressKind.StepRetrying:
                        Line("yellow", "↻", $"{step.Id} retrying (attempt {step.Attempts + 1}): {step.Error}");
                        break;
                    case PlanProgressKind.StepFinished:
                        var (colour, mark) = step.Status switch
                        {
                            PlanStepStatus.Completed => ("green", "✓"),
                            PlanStepStatus.Skipped => ("grey", "-"),
                            PlanStepStatus.Cancelled => ("grey", "×"),
                            _ => ("red", "✗"),
                        };
                        Line(colour, mark, $"{step.Id} {step.Title}: {Name(step.Status)} {counter}");
                        break;
                }

                terminal.Out.Flush();
            }
        }

        private void Line(string colour, string mark, string text)
        {
            if (Status is not null) terminal.Ansi.MarkupLine($"  [{colour}]{mark}[/] {Markup.Escape(text)}");
            else terminal.Out.WriteLine($"  {mark} {text}");
        }
    }

    /// <summary>The plan as the seed tool shows it: numbered steps with a checkbox, description and dependencies.</summary>
    private static string PlanText(Plan plan, bool outputs)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Plan {plan.Id}: {plan.Title}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"Goal: {plan.Goal}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"Status: {Name(plan.Status)} (revision {plan.Revision})");
        sb.AppendLine();
        int n = 0;
        foreach (var step in plan.Steps)
        {
            string box = step.Status switch
            {
                PlanStepStatus.Completed => "[x]",
                PlanStepStatus.Running => "[~]",
                PlanStepStatus.Failed or PlanStepStatus.TimedOut => "[!]",
                PlanStepStatus.Skipped or PlanStepStatus.Cancelled => "[-]",
                _ => "[ ]",
            };
            sb.AppendLine(CultureInfo.InvariantCulture, $"{++n}. {box} {step.Title} ({step.Id})");
            if (step.Description.Length > 0) sb.AppendLine(CultureInfo.InvariantCulture, $"   - {step.Description.ReplaceLineEndings(" ")}");
            if (step.Dependencies.Count > 0) sb.AppendLine(CultureInfo.InvariantCulture, $"   Dependencies: {string.Join(", ", step.Dependencies)}");
            if (outputs && step.Output is { Length: > 0 } output) sb.AppendLine(CultureInfo.InvariantCulture, $"   Output: {output.ReplaceLineEndings(" ")}");
            if (outputs && step.Error is { Length: > 0 } error) sb.AppendLine(CultureInfo.InvariantCulture, $"   Error: {error.ReplaceLineEndings(" ")}");
        }

        sb.AppendLine();
        return sb.ToString();
    }

    /// <summary>An enum value as a stable camelCase JSON/text name (awaitingApproval, timedOut).</summary>
    private static string Name<T>(T value) where T : struct, Enum
    {
        string name = value.ToString();
        return char.ToLowerInvariant(name[0]) + name[1..];
    }

    private static void WritePlan(Utf8JsonWriter w, Plan plan)
    {
        w.WriteStartObject();
        w.WriteString("id", plan.Id);
        w.WriteString("goal", plan.Goal);
        w.WriteString("title", plan.Title);
        w.WriteString("status", Name(plan.Status));
        w.WriteNumber("revision", plan.Revision);
        w.WriteString("createdAt", plan.CreatedAt);
        w.WriteString("updatedAt", plan.UpdatedAt);
        if (plan.ApprovedAt is { } approved) w.WriteString("approvedAt", approved);
        if (plan.RejectionReason is { } reason) w.WriteString("rejectionReason", reason);
        w.WriteStartArray("steps");
        foreach (var s in plan.Steps)
        {
            w.WriteStartObject();
            w.WriteString("id", s.Id);
            w.WriteString("title", s.Title);
            w.WriteString("description", s.Description);
            w.WriteStartArray("dependencies");
            foreach (var d in s.Dependencies) w.WriteStringValue(d);
            w.WriteEndArray();
            w.WriteString("status", Name(s.Status));
            w.WriteNumber("attempts", s.Attempts);
            if (s.Output is not null) w.WriteString("output", s.Output);
            if (s.Error is not null) w.WriteString("error", s.Error);
            if (s.StartedAt is { } started) w.WriteString("startedAt", started);
            if (s.CompletedAt is { } completed) w.WriteString("completedAt", completed);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WritePlanResult(Utf8JsonWriter w, PlanResult result)
    {
        w.WriteStartObject();
        w.WritePropertyName("plan");
        WritePlan(w, result.Plan);
        w.WriteBoolean("dryRun", result.IsDryRun);
        w.WriteBoolean("succeeded", result.Succeeded);
        w.WriteStartArray("executed");
        foreach (var id in result.ExecutedStepIds) w.WriteStringValue(id);
        w.WriteEndArray();
        w.WriteStartArray("schedule");
        foreach (var wave in result.Schedule)
        {
            w.WriteStartArray();
            foreach (var id in wave) w.WriteStringValue(id);
            w.WriteEndArray();
        }

        w.WriteEndArray();
        w.WriteNumber("durationMs", Math.Round(result.Duration.TotalMilliseconds, 1));
        w.WriteEndObject();
    }
}

using System.Globalization;
using System.Text;
using Spectre.Console;

namespace Sessions.Cli;

/// <summary>Standard streams and what they are connected to: colours, spinners and prompts only on a terminal.</summary>
internal sealed class Terminal
{
    private readonly Lock _ansiGate = new();

    // object, not Lazy<IAnsiConsole>: a field of a Spectre.Console type would load that assembly with this class.
    private object? _ansi;
    private readonly Lazy<TextReader> _in;

    public Terminal()
    {
        Out = OpenStandardOutput();
        Error = Console.Error;
        _in = new Lazy<TextReader>(() => Console.In, LazyThreadSafetyMode.ExecutionAndPublication);
        InputIsTerminal = !Console.IsInputRedirected;
        OutputIsTerminal = !Console.IsOutputRedirected;
        bool noColor = Environment.GetEnvironmentVariable("NO_COLOR") is { Length: > 0 };
        Color = OutputIsTerminal && !noColor;
    }

    private IAnsiConsole CreateAnsi()
    {
        var ansi = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = Color ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = Color ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = OutputIsTerminal && InputIsTerminal ? InteractionSupport.Yes : InteractionSupport.No,
            Out = new AnsiConsoleOutput(Out),
        });
        if (!OutputIsTerminal)
        {
            ansi.Profile.Width = 200;
        }

        return ansi;
    }

    public TextWriter Out { get; }

    /// <summary>
    /// Standard output with a 64 KiB buffer, flushed after every write call (prompts and streamed replies appear at once).
    /// Console.Out's buffer is 256 characters: a 1,000-session JSON listing became about 2,000 write system calls.
    /// </summary>
    private static TextWriter OpenStandardOutput()
    {
        if (Console.OutputEncoding.CodePage != Encoding.UTF8.CodePage)
        {
            return Console.Out; // the console's own encoding (a Windows code page) stays in charge
        }

        var writer = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 16)
        {
            AutoFlush = true,
        };
        return TextWriter.Synchronized(writer);
    }

    public TextWriter Error { get; }

    /// <summary>Standard input, opened on first use (a listing never reads it, and opening it sets up the terminal).</summary>
    public TextReader In => _in.Value;

    public bool InputIsTerminal { get; }

    public bool OutputIsTerminal { get; }

    /// <summary>Colours and spinners are used: output is a terminal and NO_COLOR is not set.</summary>
    public bool Color { get; }

    /// <summary>Gets the Spectre.Console console, created on first use: Spectre.Console is loaded only by the commands that draw
    /// tables, spinners or markup (not by a JSON listing).</summary>
    public IAnsiConsole Ansi
    {
        get
        {
            lock (_ansiGate)
            {
                return (IAnsiConsole)(_ansi ??= CreateAnsi());
            }
        }
    }

    /// <summary>Runs work under a spinner on a terminal, plainly otherwise.</summary>
    public async Task<T> WithStatusAsync<T>(string status, Func<Task<T>> work)
    {
        if (!Color)
        {
            return await work();
        }

        return await Ansi.Status().Spinner(Spinner.Known.Dots).StartAsync(Markup.Escape(status), _ => work());
    }

    public void WriteError(string message)
    {
        if (Color && !Console.IsErrorRedirected)
        {
            Error.WriteLine($"\u001b[31merror:\u001b[0m {message}");
        }
        else
        {
            Error.WriteLine($"error: {message}");
        }
    }

    public void WriteInfo(string message) => Error.WriteLine(message);

    /// <summary>Asks a yes/no question on a terminal; without one, the answer must come from --yes.</summary>
    public bool Confirm(string question, bool yes)
    {
        if (yes)
        {
            return true;
        }

        if (!InputIsTerminal)
        {
            throw new CliException($"{question} Confirmation needs a terminal; pass --yes to confirm when input is redirected.", CliExitCode.Usage);
        }

        Error.Write($"{question} [y/N] ");
        string? answer = In.ReadLine();
        return answer is not null && (answer.Trim().Equals("y", StringComparison.OrdinalIgnoreCase) || answer.Trim().Equals("yes", StringComparison.OrdinalIgnoreCase));
    }

    public static string Relative(DateTimeOffset time, DateTimeOffset now)
    {
        var ago = now - time;
        if (ago < TimeSpan.Zero) ago = TimeSpan.Zero;
        return ago switch
        {
            { TotalSeconds: < 45 } => "just now",
            { TotalMinutes: < 1.5 } => "a minute ago",
            { TotalMinutes: < 60 } => $"{(int)Math.Round(ago.TotalMinutes)} minutes ago",
            { TotalHours: < 1.5 } => "an hour ago",
            { TotalHours: < 24 } => $"{(int)Math.Round(ago.TotalHours)} hours ago",
            { TotalDays: < 2 } => "yesterday",
            { TotalDays: < 30 } => $"{(int)ago.TotalDays} days ago",
            _ => time.ToLocalTime().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        };
    }
}

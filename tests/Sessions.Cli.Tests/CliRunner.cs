using System.Diagnostics;
using System.Text;

namespace Sessions.Cli.Tests;

/// <summary>The result of one run of the tool.</summary>
internal sealed record CliResult(int ExitCode, string Out, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Out}\n--- stderr ---\n{Error}";
}

/// <summary>Runs the built `sessions` tool as a process, with its own store folder and environment.</summary>
internal sealed class CliRunner
{
    public CliRunner(string store) => Environment["SESSIONS_STORE"] = store;

    /// <summary>Gets the environment given to the tool (the rest of this process's environment is removed for keys it names).</summary>
    public Dictionary<string, string?> Environment { get; } = new(StringComparer.Ordinal)
    {
        ["OPENAI_API_KEY"] = null,
        ["OPENAI_BASE_URL"] = null,
        ["ANTHROPIC_API_KEY"] = null,
        ["ANTHROPIC_BASE_URL"] = null,
        ["SESSIONS_PROVIDER"] = null,
        ["NO_COLOR"] = null,
        ["DOTNET_NOLOGO"] = "1",
    };

    /// <summary>Gets or sets the tool's working directory (null: this process's).</summary>
    public string? WorkingDirectory { get; set; }

    /// <summary>Gets the path of the tool's entry assembly, built beside this test project in the same configuration.</summary>
    public static string ToolPath
    {
        get
        {
            // tests/Sessions.Cli.Tests/bin/<Configuration>/<tfm>/ -> src/Sessions.Cli/bin/<Configuration>/<tfm>/sessions.dll
            var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            string tfm = here.Name, configuration = here.Parent!.Name;
            string repo = here.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
            return Path.Combine(repo, "src", "Sessions.Cli", "bin", configuration, tfm, "sessions.dll");
        }
    }

    /// <summary>
    /// Gets the installed tool command to run instead of the build output (environment variable <c>SESSIONS_CLI_TOOL</c>, for
    /// example the <c>sessions</c> that <c>dotnet tool install</c> created: the shipped Native AOT or framework-dependent
    /// binary, as .ci/consumer-test runs these tests); null runs the build output with <c>dotnet sessions.dll</c>.
    /// </summary>
    public static string? InstalledTool => System.Environment.GetEnvironmentVariable("SESSIONS_CLI_TOOL") is { Length: > 0 } tool ? tool : null;

    /// <summary>Gets the tool as a shell command (quoted): the installed tool, or <c>dotnet</c> and the built entry assembly.</summary>
    public static string ShellCommand => InstalledTool is { } tool ? $"'{tool}'" : $"dotnet '{ToolPath}'";

    /// <summary>Sets the program and leading arguments that start the tool on <paramref name="start"/>.</summary>
    public static void StartTool(ProcessStartInfo start)
    {
        if (InstalledTool is { } tool)
        {
            start.FileName = tool;
        }
        else
        {
            start.FileName = "dotnet";
            start.ArgumentList.Add(ToolPath);
        }
    }

    /// <summary>
    /// Runs a shell command line under a real pseudo-terminal (util-linux <c>script</c>) with this runner's environment,
    /// <c>TERM=xterm-256color</c> and <paramref name="extra"/> variables, and returns everything the terminal showed.
    /// The calling test is ignored, with the reason, where <c>script</c> is not installed.
    /// </summary>
    public async Task<string> RunUnderPseudoTerminalAsync(string commandLine, params (string Name, string Value)[] extra)
    {
        if (!File.Exists("/usr/bin/script"))
        {
            NUnit.Framework.Assert.Ignore("util-linux 'script' is not installed; the pseudo-terminal test needs it.");
        }

        var start = new ProcessStartInfo("/usr/bin/script", ["-qfec", commandLine, "/dev/null"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var (k, v) in Environment)
        {
            if (v is null) start.Environment.Remove(k);
            else start.Environment[k] = v;
        }

        start.Environment["TERM"] = "xterm-256color";
        foreach (var (name, value) in extra) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        string output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output;
    }

    public async Task<CliResult> RunWithInputAsync(string? stdin, params string[] args)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        if (WorkingDirectory is not null) start.WorkingDirectory = WorkingDirectory;
        StartTool(start);
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var (k, v) in Environment)
        {
            if (v is null) start.Environment.Remove(k);
            else start.Environment[k] = v;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"sessions {string.Join(' ', args)} did not finish in 60 s.\n{await stdout}\n{await stderr}");
        }

        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    public Task<CliResult> RunAsync(params string[] args) => RunWithInputAsync(null, args);
}

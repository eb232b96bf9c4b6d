using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Sessions.Sdk.Benchmarks;

/// <summary>Runs measurements in fresh child processes (median of N) and collects the result table.</summary>
internal sealed class Harness : IDisposable
{
    private readonly List<(string Workload, string Figure, string Value, string Target, string Verdict)> _rows = [];

    public Harness()
    {
        WorkDirectory = Path.Combine(Path.GetTempPath(), "sessions-bench-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(WorkDirectory);
    }

    /// <summary>The environment variable that puts the harness and its child processes in smoke mode.</summary>
    public const string SmokeVariable = "SESSIONS_BENCH_SMOKE";

    /// <summary>Gets a value indicating whether this is a smoke run (tiny sizes, one repetition): it proves the harness builds and runs, and measures nothing worth reporting.</summary>
    public static bool Smoke => Environment.GetEnvironmentVariable(SmokeVariable) == "1";

    /// <summary>Returns the full size of a workload, or its tiny size in a smoke run.</summary>
    public static int Size(int full, int tiny) => Smoke ? tiny : full;

    /// <summary>Gets a scratch directory removed when the harness ends.</summary>
    public string WorkDirectory { get; }

    /// <summary>Gets the number of fresh-process repetitions; the median is reported.</summary>
    public int Repetitions { get; init; } = 3;

    /// <summary>Runs a child measurement <see cref="Repetitions"/> times, each in a fresh process, and returns the median of each figure.</summary>
    public async Task<IReadOnlyDictionary<string, double>> MeasureAsync(string measurement, params string[] args)
    {
        var runs = new List<IReadOnlyDictionary<string, double>>();
        for (int i = 0; i < Repetitions; i++)
        {
            runs.Add(await RunChildProcessAsync(measurement, args));
        }

        return runs[0].Keys.ToDictionary(k => k, k => Median(runs.Select(r => r[k])));
    }

    /// <summary>
    /// Runs a child measurement <see cref="Repetitions"/> times, each in a fresh process of this harness published ReadyToRun
    /// (how an application that cares about start-up ships), and returns the median of each figure; <see langword="null"/> in a
    /// smoke run, where the publish is skipped (it takes about a minute).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, double>?> MeasureReadyToRunAsync(string measurement, params string[] args)
    {
        if (await ReadyToRunHarnessAsync() is not { } executable) return null;
        var runs = new List<IReadOnlyDictionary<string, double>>();
        for (int i = 0; i < Repetitions; i++)
        {
            runs.Add(await RunChildExecutableAsync(executable, measurement, args));
        }

        return runs[0].Keys.ToDictionary(k => k, k => Median(runs.Select(r => r[k])));
    }

    private static Task<string?>? s_readyToRun;

    /// <summary>
    /// Gets this harness published framework-dependent and ReadyToRun for this machine's runtime identifier (published once per
    /// harness run, into the build's own folder), or the executable named by <c>SESSIONS_BENCH_R2R_CHILD</c>; <see langword="null"/>
    /// in a smoke run.
    /// </summary>
    public static Task<string?> ReadyToRunHarnessAsync() => s_readyToRun ??= PublishReadyToRunHarnessAsync();

    private static async Task<string?> PublishReadyToRunHarnessAsync()
    {
        if (Environment.GetEnvironmentVariable("SESSIONS_BENCH_R2R_CHILD") is { Length: > 0 } given && File.Exists(given)) return given;
        if (Smoke) return null;
        string project = Path.Combine(RepositoryRoot(), "tests", "Sessions.Sdk.Benchmarks", "Sessions.Sdk.Benchmarks.csproj");
        string output = Path.Combine(AppContext.BaseDirectory, "r2r-child");
        Console.Error.WriteLine($"publishing the harness ReadyToRun for {RuntimeInformation.RuntimeIdentifier} (once per run) ...");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "publish", project, "-c", "Release", "-r", RuntimeInformation.RuntimeIdentifier, "--self-contained", "false",
            "-p:PublishReadyToRun=true", "-o", output, "--nologo", "-v", "q" })
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi)!;
        string log = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"publishing the ReadyToRun harness failed: {log}");
        string executable = Path.Combine(output, OperatingSystem.IsWindows() ? "Sessions.Sdk.Benchmarks.exe" : "Sessions.Sdk.Benchmarks");
        return File.Exists(executable) ? executable : throw new FileNotFoundException("the ReadyToRun publish has no apphost", executable);
    }

    private static readonly Dictionary<string, Task<string?>> s_publishedChildren = new(StringComparer.Ordinal);

    /// <summary>
    /// Runs a measurement <see cref="Repetitions"/> times, each in a fresh process of a child project published with Native AOT for
    /// this machine's runtime identifier (tests/&lt;<paramref name="project"/>&gt;, published once per harness run), and returns the
    /// median of each figure; <see langword="null"/> in a smoke run, where the publish is skipped (it takes one to two minutes).
    /// </summary>
    /// <remarks>The child takes <c>--child &lt;measurement&gt; &lt;args…&gt;</c> and prints its figures as one JSON line, as the harness's own children do.
    /// <c>SESSIONS_BENCH_AOT_CHILD</c> names an already published executable instead.</remarks>
    public Task<IReadOnlyDictionary<string, double>?> MeasureNativeAotAsync(string project, string measurement, params string[] args) =>
        MeasurePublishedChildAsync(ChildBuild.NativeAot, project, measurement, args);

    /// <summary>
    /// Runs a measurement <see cref="Repetitions"/> times, each in a fresh process of a child project published framework-dependent and
    /// ReadyToRun for this machine's runtime identifier with the options the project sets for it (tests/&lt;<paramref name="project"/>&gt;
    /// built with <c>-p:PublishReadyToRun=true</c>, published once per harness run), and returns the median of each figure;
    /// <see langword="null"/> in a smoke run, where the publish is skipped.
    /// </summary>
    /// <remarks>The child is the one <see cref="MeasureNativeAotAsync"/> runs, published the other way.
    /// <c>SESSIONS_BENCH_R2R_APP_CHILD</c> names an already published executable instead.</remarks>
    public Task<IReadOnlyDictionary<string, double>?> MeasureReadyToRunChildAsync(string project, string measurement, params string[] args) =>
        MeasurePublishedChildAsync(ChildBuild.ReadyToRun, project, measurement, args);

    private async Task<IReadOnlyDictionary<string, double>?> MeasurePublishedChildAsync(ChildBuild build, string project, string measurement, string[] args)
    {
        Task<string?> publish;
        lock (s_publishedChildren)
        {
            string key = build + "/" + project;
            if (!s_publishedChildren.TryGetValue(key, out publish!)) s_publishedChildren[key] = publish = PublishChildAsync(build, project);
        }

        if (await publish is not { } executable) return null;
        var runs = new List<IReadOnlyDictionary<string, double>>();
        for (int i = 0; i < Repetitions; i++)
        {
            runs.Add(await RunChildExecutableAsync(executable, measurement, args));
        }

        return runs[0].Keys.ToDictionary(k => k, k => Median(runs.Select(r => r[k])));
    }

    private enum ChildBuild
    {
        NativeAot,
        ReadyToRun,
    }

    private static async Task<string?> PublishChildAsync(ChildBuild build, string project)
    {
        bool aot = build == ChildBuild.NativeAot;
        if (Environment.GetEnvironmentVariable(aot ? "SESSIONS_BENCH_AOT_CHILD" : "SESSIONS_BENCH_R2R_APP_CHILD") is { Length: > 0 } given && File.Exists(given)) return given;
        if (Smoke) return null;
        string path = Path.Combine(RepositoryRoot(), "tests", project, project + ".csproj");
        string output = Path.Combine(AppContext.BaseDirectory, aot ? "aot-child" : "r2r-app-child", project);
        string how = aot ? "with Native AOT" : "ReadyToRun";
        Console.Error.WriteLine($"publishing {project} {how} for {RuntimeInformation.RuntimeIdentifier} (once per run) ...");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        string[] publishArgs = aot ? [] : ["--self-contained", "false", "-p:PublishReadyToRun=true"];
        foreach (var a in new[] { "publish", path, "-c", "Release", "-r", RuntimeInformation.RuntimeIdentifier, "-o", output, "--nologo", "-v", "q" }.Concat(publishArgs))
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi)!;
        string log = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"publishing {project} {how} failed{(aot ? " (it needs clang and zlib1g-dev)" : string.Empty)}: {log}");
        string executable = Path.Combine(output, OperatingSystem.IsWindows() ? project + ".exe" : project);
        return File.Exists(executable) ? executable : throw new FileNotFoundException($"the {how} publish has no executable", executable);
    }

    /// <summary>Adds a row whose value is text (a figure that was not measured in this run, and why).</summary>
    public void AddNote(string workload, string figure, string text) => _rows.Add((workload, figure, text, string.Empty, string.Empty));

    /// <summary>Gets the repository root (the harness runs from tests/Sessions.Sdk.Benchmarks/bin/&lt;Configuration&gt;/&lt;tfm&gt;/[&lt;rid&gt;/…]).</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Sessions.Sdk.sln"))) return dir.FullName;
        }

        throw new DirectoryNotFoundException($"no Sessions.Sdk.sln above {AppContext.BaseDirectory}");
    }

    /// <summary>Runs a child measurement once in a fresh process of this harness.</summary>
    public static Task<IReadOnlyDictionary<string, double>> RunChildProcessAsync(string measurement, params string[] args) =>
        StartChildAsync(executable: null, measurement, args);

    /// <summary>Runs a child measurement once in a fresh process of another executable of this harness (a ReadyToRun publish).</summary>
    /// <remarks>Its own name: an overload taking the executable first would capture <c>RunChildProcessAsync(measurement, arg, …)</c>.</remarks>
    public static Task<IReadOnlyDictionary<string, double>> RunChildExecutableAsync(string executable, string measurement, params string[] args) =>
        StartChildAsync(executable, measurement, args);

    private static async Task<IReadOnlyDictionary<string, double>> StartChildAsync(string? executable, string measurement, string[] args)
    {
        var psi = new ProcessStartInfo(executable ?? Environment.ProcessPath!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = false,
            UseShellExecute = false,
        };
        // Under the dotnet host (dotnet run / dotnet x.dll) the child needs the entry assembly; under the apphost it does not.
        // Compare whole file names: "Sessions.Sdk.Benchmarks" has no extension, yet GetFileNameWithoutExtension would cut ".Benchmarks".
        var host = Path.GetFileName(psi.FileName);
        if (host.Equals("dotnet", StringComparison.OrdinalIgnoreCase) || host.Equals("dotnet.exe", StringComparison.OrdinalIgnoreCase))
        {
            psi.ArgumentList.Add(typeof(Harness).Assembly.Location);
        }

        psi.ArgumentList.Add("--child");
        psi.ArgumentList.Add(measurement);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        string output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"child measurement '{measurement}' ({psi.FileName}) failed with exit code {process.ExitCode}: {output}");
        }

        var last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last();
        return JsonSerializer.Deserialize<Dictionary<string, double>>(last)!;
    }

    /// <summary>Entry point of a child process: finds the measurement by name, runs it, prints its figures as one JSON line.</summary>
    public static async Task<int> RunChildAsync(string[] args)
    {
        var type = typeof(Harness).Assembly.GetTypes()
            .Where(t => typeof(IChildMeasurement).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .Select(t => (IChildMeasurement)Activator.CreateInstance(t)!)
            .FirstOrDefault(m => m.Name == args[0]) ?? throw new ArgumentException($"unknown measurement '{args[0]}'");
        var figures = await type.RunAsync(args[1..]);
        Console.WriteLine(JsonSerializer.Serialize(figures));
        return 0;
    }

    /// <summary>Adds a row to the result table.</summary>
    public void Add(string workload, string figure, double value, string unit, string target = "", bool? met = null)
    {
        string formatted = unit switch
        {
            "ms" => value.ToString(value < 1 ? "0.0000" : "0.00", CultureInfo.InvariantCulture) + " ms",
            "us" => value.ToString("0.00", CultureInfo.InvariantCulture) + " µs",
            "x" => value.ToString("0.00", CultureInfo.InvariantCulture) + "×",
            _ => value.ToString("0.##", CultureInfo.InvariantCulture) + (unit.Length > 0 ? " " + unit : string.Empty),
        };
        _rows.Add((workload, figure, formatted, target, met is null ? string.Empty : met.Value ? "met" : "**missed**"));
    }

    /// <summary>Renders the table as Markdown.</summary>
    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}; median of {Repetitions} fresh-process runs.");
        if (LoadAverage() is { } load) sb.AppendLine(CultureInfo.InvariantCulture, $"Load average at the start: {StartLoad ?? "?"}; at the end: {load} (1, 5, 15 min).");
        sb.AppendLine();
        sb.AppendLine("| workload | figure | value | target | verdict |");
        sb.AppendLine("|---|---|---|---|---|");
        foreach (var r in _rows) sb.AppendLine(CultureInfo.InvariantCulture, $"| {r.Workload} | {r.Figure} | {r.Value} | {r.Target} | {r.Verdict} |");
        return sb.ToString();
    }

    /// <summary>Gets the load average when the harness started (Linux), reported with the table.</summary>
    public string? StartLoad { get; } = LoadAverage();

    /// <summary>The 1, 5 and 15 minute load averages from <c>/proc/loadavg</c>; <see langword="null"/> where there is none.</summary>
    public static string? LoadAverage()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return parts.Length >= 3 ? string.Join(" ", parts[..3]) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static double ElapsedMs(long startTimestamp, long endTimestamp) =>
        (endTimestamp - startTimestamp) * 1000.0 / Stopwatch.Frequency;

    public void Dispose()
    {
        try { Directory.Delete(WorkDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

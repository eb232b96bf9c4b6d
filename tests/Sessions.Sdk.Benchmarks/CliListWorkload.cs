using System.Diagnostics;
using System.Globalization;

namespace Sessions.Sdk.Benchmarks;

/// <summary>
/// W15 (CLI): wall time of <c>sessions list --all --format json</c> in a new process over 1,000 file-store sessions, against
/// the start of a hello-world .NET console app built and measured in the same run (issue 14: ≤ 2.5×).
/// <para>
/// "As shipped" is what a user gets: the tool is packed the way .ci/consumer-test packs it (the pointer package, the ReadyToRun linux-x64 package and the portable any package), installed with
/// <c>dotnet tool install --tool-path</c> from that folder (with a fresh NuGet package folder, so no earlier package of the
/// same version is reused), and started by the <c>sessions</c> command the install created. Both programs start the same
/// way: as an executable (the hello world's apphost, the installed command), no <c>dotnet</c> muxer in front. For reference,
/// the build output started with <c>dotnet sessions.dll</c> and
/// the hello world started with <c>dotnet hello.dll</c>, interleaved in the same loop.
/// </para>
/// <para>Smoke mode skips the pack and install and says so in a row.</para>
/// </summary>
internal sealed class CliListWorkload : IWorkload
{
    public string Id => "CLI";

    public async Task RunAsync(Harness harness, CancellationToken cancellationToken)
    {
        int runs = Harness.Smoke ? 1 : 7;
        string store = Path.Combine(harness.WorkDirectory, "cli-store");
        await FileListFixtureMeasurement.WriteFixtureAsync(store);
        string helloDirectory = await BuildHelloWorldAsync(Path.Combine(harness.WorkDirectory, "hello"), cancellationToken);
        var helloApphost = new Program(Path.Combine(helloDirectory, "hello"), []);
        var helloDll = new Program("dotnet", [Path.Combine(helloDirectory, "hello.dll")]);
        var built = new Program("dotnet", [BuiltToolPath()]);
        // As shipped: packed and installed like a user's `dotnet tool install`; skipped in smoke mode.
        var installed = Harness.Smoke ? default : await PackAndInstallAsync(harness.WorkDirectory, cancellationToken);
        Program? shipped = Harness.Smoke ? null : new Program(installed.Command, []);
        string[] listAll = ["--store", store, "list", "--all", "--format", "json"];
        string[] listTable = ["--store", store, "list"];

        // One unmeasured run each warms the OS file cache (every program's files) and builds the store's listing catalog.
        await WallTimeAsync(helloApphost, [], cancellationToken);
        await WallTimeAsync(helloDll, [], cancellationToken);
        await WallTimeAsync(built, listAll, cancellationToken);
        if (shipped is not null) await WallTimeAsync(shipped, listAll, cancellationToken);
        await Task.Delay(TimeSpan.FromMilliseconds(300), cancellationToken);

        var helloTimes = new List<double>();
        var helloDllTimes = new List<double>();
        var shippedList = new List<double>();
        var shippedTable = new List<double>();
        var shippedVersion = new List<double>();
        var builtList = new List<double>();
        for (int i = 0; i < runs; i++)
        {
            // Interleaved, so machine noise hits every variant alike.
            helloTimes.Add(await WallTimeAsync(helloApphost, [], cancellationToken));
            helloDllTimes.Add(await WallTimeAsync(helloDll, [], cancellationToken));
            if (shipped is not null)
            {
                shippedList.Add(await WallTimeAsync(shipped, listAll, cancellationToken));
                shippedTable.Add(await WallTimeAsync(shipped, listTable, cancellationToken));
                shippedVersion.Add(await WallTimeAsync(shipped, ["--version"], cancellationToken));
            }

            builtList.Add(await WallTimeAsync(built, listAll, cancellationToken));
        }

        string median = $"median of {runs}";
        double helloMs = Harness.Median(helloTimes);
        harness.Add(Id, $"new process: hello-world .NET console app (its apphost ./hello, framework-dependent), wall time ({median})", helloMs, "ms");
        harness.Add(Id, $"new process: the same hello world as dotnet hello.dll, wall time ({median})", Harness.Median(helloDllTimes), "ms");
        if (shipped is not null)
        {
            string what = installed.Package.EndsWith(".any", StringComparison.Ordinal) ? $"{installed.Package}, portable IL" : $"{installed.Package}, ReadyToRun";
            double listMs = Harness.Median(shippedList);
            harness.Add(Id, $"new process: sessions list --all --format json, 1,000 sessions (file store), as shipped (dotnet tool install: {what}), wall time ({median})", listMs, "ms");
            double tableMs = Harness.Median(shippedTable);
            harness.Add(Id, $"new process: sessions list (table, 10 most recent), as shipped, wall time ({median})", tableMs, "ms");
            harness.Add(Id, $"new process: sessions --version, as shipped, wall time ({median})", Harness.Median(shippedVersion), "ms");
            harness.Add(Id, "W15: sessions list --all (as shipped) ÷ hello world (apphost)", listMs / helloMs, "x", "≤ 2.5×", listMs / helloMs <= 2.5);
            // The command exactly as a person types it: the default table of the 10 most recent sessions.
            harness.Add(Id, "W15: sessions list (table, as typed; as shipped) ÷ hello world (apphost)", tableMs / helloMs, "x", "≤ 2.5×", tableMs / helloMs <= 2.5);
        }
        else
        {
            harness.Add(Id, "W15 as shipped: not measured in smoke mode (pack + install); run without --smoke", 0, "");
        }

        double builtMs = Harness.Median(builtList);
        harness.Add(Id, $"new process: sessions list --all --format json, build output as dotnet sessions.dll (framework-dependent, JIT), wall time ({median})", builtMs, "ms");
        harness.Add(Id, "sessions list --all, framework-dependent (dotnet sessions.dll) ÷ hello world (dotnet hello.dll)", builtMs / Harness.Median(helloDllTimes), "x");
    }

    /// <summary>A program and the arguments before the measured command's own.</summary>
    private sealed record Program(string FileName, string[] Leading);

    private static string RepositoryRoot()
    {
        // tests/Sessions.Sdk.Benchmarks/bin/<Configuration>/<tfm>/ -> the repository root
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        return here.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
    }

    private static string BuiltToolPath()
    {
        // tests/Sessions.Sdk.Benchmarks/bin/<Configuration>/<tfm>/ -> src/Sessions.Cli/bin/<Configuration>/<tfm>/sessions.dll
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string path = Path.Combine(RepositoryRoot(), "src", "Sessions.Cli", "bin", here.Parent!.Name, here.Name, "sessions.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("Build src/Sessions.Cli in the same configuration first.", path);
    }

    /// <summary>
    /// Packs the tool as .ci/consumer-test does (the pointer package, the ReadyToRun linux-x64 package and the portable
    /// <c>any</c> package) and installs it with <c>dotnet tool install --tool-path</c>; returns the installed
    /// <c>sessions</c> command and which package the install picked.
    /// </summary>
    private static async Task<(string Command, string Package)> PackAndInstallAsync(string work, CancellationToken cancellationToken)
    {
        string project = Path.Combine(RepositoryRoot(), "src", "Sessions.Cli", "Sessions.Cli.csproj");
        string packages = Path.Combine(work, "cli-packages");
        string tools = Path.Combine(work, "cli-tools");
        string nugetCache = Path.Combine(work, "cli-nuget");
        string[] common = ["-c", "Release", "-o", packages, "--nologo", "-v", "q"];
        // One pack makes the pointer package and one package per runtime identifier the project lists (ToolPackageRuntimeIdentifiers).
        await RunDotnetAsync(RepositoryRoot(), ["pack", project, .. common], null, cancellationToken);
        string pointer = Directory.GetFiles(packages, "Sessions.Cli.*.nupkg")
            .Select(Path.GetFileNameWithoutExtension)
            .Single(n => char.IsDigit(n!["Sessions.Cli.".Length]))!;
        string version = pointer["Sessions.Cli.".Length..];
        // A fresh NuGet package folder: an earlier run's package of the same version is never reused.
        await RunDotnetAsync(work, ["tool", "install", "--tool-path", tools, "--add-source", packages, "Sessions.Cli", "--version", version], ("NUGET_PACKAGES", nugetCache), cancellationToken);
        string command = Path.Combine(tools, "sessions");
        if (!File.Exists(command)) throw new FileNotFoundException("dotnet tool install created no 'sessions' command.", command);
        string store = Path.Combine(tools, ".store");
        string package = Directory.GetDirectories(store, "sessions.cli*", SearchOption.AllDirectories)
            .Select(Path.GetFileName)
            .Where(n => n!.StartsWith("sessions.cli.", StringComparison.Ordinal))
            .FirstOrDefault() ?? "sessions.cli";
        return (command, package!);
    }

    private static async Task<string> BuildHelloWorldAsync(string directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "hello.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <InvariantGlobalization>true</InvariantGlobalization>
                <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
              </PropertyGroup>
            </Project>
            """, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(directory, "Program.cs"), "Console.WriteLine(\"Hello, World!\");\n", cancellationToken);
        // Outside the repository's Directory.Build.props: an empty one here stops the search upwards.
        await File.WriteAllTextAsync(Path.Combine(directory, "Directory.Build.props"), "<Project />\n", cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(directory, "Directory.Packages.props"), "<Project />\n", cancellationToken);
        string output = Path.Combine(directory, "out");
        await RunDotnetAsync(directory, ["build", "-c", "Release", "-o", output, "--nologo", "-v", "q"], null, cancellationToken);
        return output;
    }

    private static async Task RunDotnetAsync(string workingDirectory, string[] args, (string Name, string Value)? variable, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo("dotnet", args)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (variable is { } v) psi.Environment[v.Name] = v.Value;
        using var process = Process.Start(psi)!;
        string output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0) throw new InvalidOperationException($"dotnet {string.Join(' ', args)} failed: {output}");
    }

    private static async Task<double> WallTimeAsync(Program program, string[] args, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(program.FileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in program.Leading) psi.ArgumentList.Add(a);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_NOLOGO"] = "1";
        long start = Stopwatch.GetTimestamp();
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        double ms = Harness.ElapsedMs(start, Stopwatch.GetTimestamp());
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(program.FileName)} {string.Join(' ', program.Leading.Concat(args))} failed ({process.ExitCode.ToString(CultureInfo.InvariantCulture)}): {await stderr}");
        }

        _ = await stdout;
        return ms;
    }
}

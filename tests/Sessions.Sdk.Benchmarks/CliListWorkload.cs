using System.Diagnostics;
using System.Globalization;

namespace Sessions.Sdk.Benchmarks;

/// <summary>
/// W15 (CLI): wall time of <c>sessions list --all</c> in a new process over 1,000 file-store sessions, against the start of
/// a hello-world .NET console app built and measured in the same run (issue 14: ≤ 2.5×). Both start the same way
/// (<c>dotnet app.dll</c>). The tool is measured as it ships (the build output: the package holds the same framework-
/// dependent, portable, JIT-compiled assemblies) and, for comparison, published ReadyToRun for linux-x64 (not shipped:
/// see the README's CLI section), interleaved.
/// </summary>
internal sealed class CliListWorkload : IWorkload
{
    public string Id => "CLI";

    public async Task RunAsync(Harness harness, CancellationToken cancellationToken)
    {
        int runs = Harness.Smoke ? 1 : 7;
        string store = Path.Combine(harness.WorkDirectory, "cli-store");
        await FileListFixtureMeasurement.WriteFixtureAsync(store);
        string hello = await BuildHelloWorldAsync(Path.Combine(harness.WorkDirectory, "hello"), cancellationToken);
        string built = ToolPath();
        // For comparison: the same tool published ReadyToRun for linux-x64; skipped in smoke mode (slow to build).
        string? r2r = Harness.Smoke ? null : await PublishReadyToRunAsync(Path.Combine(harness.WorkDirectory, "cli-r2r"), cancellationToken);
        string[] listAll = ["--store", store, "list", "--all", "--format", "json"];
        string[] listTable = ["--store", store, "list"];

        // One unmeasured run each warms the OS file cache (both programs' assemblies) and builds the store's listing catalog.
        await WallTimeAsync(hello, [], cancellationToken);
        await WallTimeAsync(built, listAll, cancellationToken);
        if (r2r is not null) await WallTimeAsync(r2r, listAll, cancellationToken);
        await Task.Delay(TimeSpan.FromMilliseconds(300), cancellationToken);

        var helloTimes = new List<double>();
        var builtList = new List<double>();
        var builtTable = new List<double>();
        var builtVersion = new List<double>();
        var r2rList = new List<double>();
        for (int i = 0; i < runs; i++)
        {
            // Interleaved, so machine noise hits every variant alike.
            helloTimes.Add(await WallTimeAsync(hello, [], cancellationToken));
            builtList.Add(await WallTimeAsync(built, listAll, cancellationToken));
            builtTable.Add(await WallTimeAsync(built, listTable, cancellationToken));
            builtVersion.Add(await WallTimeAsync(built, ["--version"], cancellationToken));
            if (r2r is not null)
            {
                r2rList.Add(await WallTimeAsync(r2r, listAll, cancellationToken));
            }
        }

        string median = $"median of {runs}";
        double helloMs = Harness.Median(helloTimes);
        harness.Add(Id, $"new process: hello-world .NET console app (dotnet hello.dll), wall time ({median})", helloMs, "ms");
        double listMs = Harness.Median(builtList);
        harness.Add(Id, $"new process: sessions list --all --format json, 1,000 sessions (file store), as shipped, wall time ({median})", listMs, "ms");
        harness.Add(Id, $"new process: sessions list (table, 10 most recent), as shipped, wall time ({median})", Harness.Median(builtTable), "ms");
        harness.Add(Id, $"new process: sessions --version, as shipped, wall time ({median})", Harness.Median(builtVersion), "ms");
        harness.Add(Id, "W15: sessions list --all ÷ hello world", listMs / helloMs, "x", "≤ 2.5×", listMs / helloMs <= 2.5);
        if (r2r is not null)
        {
            double r2rMs = Harness.Median(r2rList);
            harness.Add(Id, $"new process: sessions list --all --format json, published ReadyToRun for linux-x64 (not shipped), wall time ({median})", r2rMs, "ms");
            harness.Add(Id, "sessions list --all, ReadyToRun (not shipped) ÷ hello world", r2rMs / helloMs, "x");
        }
    }

    private static string RepositoryRoot()
    {
        // tests/Sessions.Sdk.Benchmarks/bin/<Configuration>/<tfm>/ -> the repository root
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        return here.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
    }

    private static string ToolPath()
    {
        // tests/Sessions.Sdk.Benchmarks/bin/<Configuration>/<tfm>/ -> src/Sessions.Cli/bin/<Configuration>/<tfm>/sessions.dll
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string path = Path.Combine(RepositoryRoot(), "src", "Sessions.Cli", "bin", here.Parent!.Name, here.Name, "sessions.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("Build src/Sessions.Cli in the same configuration first.", path);
    }

    /// <summary>Publishes the tool for linux-x64, framework-dependent and ReadyToRun (for comparison; not what the package holds).</summary>
    private static async Task<string> PublishReadyToRunAsync(string directory, CancellationToken cancellationToken)
    {
        string project = Path.Combine(RepositoryRoot(), "src", "Sessions.Cli", "Sessions.Cli.csproj");
        await RunDotnetAsync(RepositoryRoot(), ["publish", project, "-c", "Release", "-r", "linux-x64", "--self-contained", "false", "-p:PublishReadyToRun=true", "-o", directory, "--nologo", "-v", "q"], cancellationToken);
        return Path.Combine(directory, "sessions.dll");
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
        await RunDotnetAsync(directory, ["build", "-c", "Release", "-o", Path.Combine(directory, "out"), "--nologo", "-v", "q"], cancellationToken);
        return Path.Combine(directory, "out", "hello.dll");
    }

    private static async Task RunDotnetAsync(string workingDirectory, string[] args, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo("dotnet", args)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(psi)!;
        string output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0) throw new InvalidOperationException($"dotnet {string.Join(' ', args)} failed: {output}");
    }

    private static async Task<double> WallTimeAsync(string dll, string[] args, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
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
            throw new InvalidOperationException($"{Path.GetFileName(dll)} {string.Join(' ', args)} failed ({process.ExitCode.ToString(CultureInfo.InvariantCulture)}): {await stderr}");
        }

        _ = await stdout;
        return ms;
    }
}

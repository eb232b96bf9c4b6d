using System.Diagnostics;
using System.Globalization;

namespace Sessions.Sdk.Benchmarks;

/// <summary>
/// CLI: wall time of <c>sessions list --all</c> in a new process over 1,000 file-store sessions, against the start of a
/// hello-world .NET console app built and measured in the same run (issue 14: ≤ 2.5×).
/// </summary>
internal sealed class CliListWorkload : IWorkload
{
    private static readonly int Runs = Harness.Size(7, 1);

    public string Id => "CLI";

    public async Task RunAsync(Harness harness, CancellationToken cancellationToken)
    {
        string store = Path.Combine(harness.WorkDirectory, "cli-store");
        await FileListFixtureMeasurement.WriteFixtureAsync(store);
        string hello = await BuildHelloWorldAsync(Path.Combine(harness.WorkDirectory, "hello"), cancellationToken);
        string tool = ToolPath();

        // One unmeasured run each warms the OS file cache (both programs' assemblies) and builds the store's listing catalog.
        await WallTimeAsync(hello, [], cancellationToken);
        await WallTimeAsync(tool, ["--store", store, "list", "--all", "--format", "json"], cancellationToken);
        await Task.Delay(TimeSpan.FromMilliseconds(300), cancellationToken);

        var helloTimes = new List<double>();
        var listTimes = new List<double>();
        var tableTimes = new List<double>();
        for (int i = 0; i < Runs; i++)
        {
            // Interleaved, so machine noise hits both alike.
            helloTimes.Add(await WallTimeAsync(hello, [], cancellationToken));
            listTimes.Add(await WallTimeAsync(tool, ["--store", store, "list", "--all", "--format", "json"], cancellationToken));
            tableTimes.Add(await WallTimeAsync(tool, ["--store", store, "list"], cancellationToken));
        }

        double helloMs = Harness.Median(helloTimes), listMs = Harness.Median(listTimes), tableMs = Harness.Median(tableTimes);
        harness.Add(Id, "new process: hello-world .NET console app, wall time (median of 7)", helloMs, "ms");
        harness.Add(Id, "new process: sessions list --all --format json, 1,000 sessions (file store), wall time (median of 7)", listMs, "ms");
        harness.Add(Id, "new process: sessions list (table, 10 most recent), wall time (median of 7)", tableMs, "ms");
        double ratio = listMs / helloMs;
        harness.Add(Id, "sessions list --all ÷ hello world", ratio, "x", "≤ 2.5×", ratio <= 2.5);
    }

    private static string ToolPath()
    {
        // tests/Sessions.Sdk.Benchmarks/bin/<Configuration>/<tfm>/ -> src/Sessions.Cli/bin/<Configuration>/<tfm>/sessions.dll
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string repo = here.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
        string path = Path.Combine(repo, "src", "Sessions.Cli", "bin", here.Parent!.Name, here.Name, "sessions.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("Build src/Sessions.Cli in the same configuration first.", path);
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
        var psi = new ProcessStartInfo("dotnet", ["build", "-c", "Release", "-o", Path.Combine(directory, "out"), "--nologo", "-v", "q"])
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var build = Process.Start(psi)!;
        string output = await build.StandardOutput.ReadToEndAsync(cancellationToken);
        await build.WaitForExitAsync(cancellationToken);
        if (build.ExitCode != 0) throw new InvalidOperationException("building the hello-world reference failed: " + output);
        return Path.Combine(directory, "out", "hello.dll");
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

using System.Reflection;
using Sessions.Sdk.Benchmarks;

// Usage:
//   dotnet run -c Release --project tests/Sessions.Sdk.Benchmarks -- [W1 W2 ...]     run workloads (all when none named)
//   dotnet run -c Release --project tests/Sessions.Sdk.Benchmarks -- --smoke         CI: every workload at tiny sizes (Harness.Size),
//                                                                                    one repetition, end to end (PostgreSQL ones when
//                                                                                    SESSIONS_TEST_POSTGRES is set); --smoke W3 runs one
//   (internal) --child <measurement> <args...>                                      one measurement in a fresh process
if (args.Length > 0 && args[0] == "--child")
{
    return await Harness.RunChildAsync(args[1..]);
}

ContentGenerator.VerifyReference();
var workloads = typeof(Program).Assembly.GetTypes()
    .Where(t => typeof(IWorkload).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
    .Select(t => (IWorkload)Activator.CreateInstance(t)!)
    // PostgreSQL workloads last: the server keeps working (checkpoints, autovacuum) after them, on the same cores as the next workload.
    .OrderBy(w => w.Id.Contains("PostgreSql", StringComparison.Ordinal) ? 1 : 0)
    .ThenBy(w => w.Id, StringComparer.Ordinal)
    .ToList();
// Smoke mode runs every workload (each shrinks its sizes with Harness.Size), so the whole harness is proven to build and run.
bool smoke = args.Contains("--smoke", StringComparer.Ordinal);
if (smoke)
{
    // Child processes inherit the variable, so they run the tiny sizes too.
    Environment.SetEnvironmentVariable(Harness.SmokeVariable, "1");
    args = [.. args.Where(a => a != "--smoke")];
}

var selected = args.Length == 0 ? workloads : workloads.Where(w => args.Contains(w.Id, StringComparer.OrdinalIgnoreCase)).ToList();
using var harness = new Harness { Repetitions = smoke ? 1 : 3 };
var total = System.Diagnostics.Stopwatch.StartNew();
foreach (var workload in selected)
{
    Console.Error.WriteLine($"running {workload.Id} ...");
    var one = System.Diagnostics.Stopwatch.StartNew();
    await workload.RunAsync(harness, CancellationToken.None);
    Console.Error.WriteLine($"{workload.Id} took {one.Elapsed.TotalSeconds:0.0} s");
}

Console.WriteLine(harness.ToMarkdown());
if (smoke)
{
    Console.WriteLine($"Smoke run: {selected.Count} workload(s) ({string.Join(", ", selected.Select(w => w.Id))}) at tiny sizes, one repetition, in {total.Elapsed.TotalSeconds:0} s; the figures above are not measurements.");
}

return 0;

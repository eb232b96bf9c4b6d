using System.Reflection;
using Sessions.Sdk.Benchmarks;

// Usage:
//   dotnet run -c Release --project tests/Sessions.Sdk.Benchmarks -- [W1 W2 ...]     run workloads (all when none named)
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
var selected = args.Length == 0 ? workloads : workloads.Where(w => args.Contains(w.Id, StringComparer.OrdinalIgnoreCase)).ToList();
using var harness = new Harness();
foreach (var workload in selected)
{
    Console.Error.WriteLine($"running {workload.Id} ...");
    await workload.RunAsync(harness, CancellationToken.None);
}

Console.WriteLine(harness.ToMarkdown());
return 0;

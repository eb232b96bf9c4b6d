using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.DependencyInjection;

namespace Sessions.Sdk.Benchmarks;

/// <summary>W14: edit sessions. Preview of a 1 MB file with 100 scattered replacements; apply + rollback of a 100-file batch against copying the files aside and renaming them back.</summary>
internal sealed class EditWorkload : IWorkload
{
    public const int FileSize = 4096;

    /// <summary>Gets the number of files of the apply + rollback batch (tiny in a smoke run).</summary>
    public static int FileCount => Harness.Size(100, 5);

    /// <summary>Gets the number of scattered replacements in the big file (tiny in a smoke run).</summary>
    public static int Replacements => Harness.Size(100, 5);

    public string Id => "W14";

    public async Task RunAsync(Harness harness, CancellationToken cancellationToken)
    {
        string root = Path.Combine(harness.WorkDirectory, "w14");
        string workspace = Path.Combine(root, "ws");
        Directory.CreateDirectory(workspace);
        File.WriteAllText(Path.Combine(workspace, "big.txt"), BigFile());
        for (int i = 0; i < FileCount; i++)
        {
            File.WriteAllText(Path.Combine(workspace, SmallName(i)), SmallFile(i));
        }

        var preview = await harness.MeasureAsync(EditPreviewMeasurement.MeasurementName, workspace, Path.Combine(root, "store-preview"));
        harness.Add(Id, "preview, 1 MB file, 100 scattered replacements: first call in a new process (JIT included)", preview["cold"], "ms");
        harness.Add(Id, "preview, 1 MB file, 100 scattered replacements: median of 5 warm calls (after 3 unmeasured ones)", preview["warm"], "ms", "≤ 50 ms", preview["warm"] <= 50);
        harness.Add(Id, "preview: CPU time of the process per warm call, median of 5 (what the wall time costs on an idle core)", preview["cpu"], "ms", "≤ 50 ms", preview["cpu"] <= 50);
        harness.Add(Id, "preview: unified diff size", preview["diffBytes"], "B");

        var apply = await harness.MeasureAsync(EditApplyMeasurement.MeasurementName, workspace, Path.Combine(root, "store-apply"));
        var reference = await harness.MeasureAsync(EditReferenceMeasurement.MeasurementName, workspace, Path.Combine(root, "aside"));
        harness.Add(Id, $"apply + rollback, {FileCount} files x {FileSize} B (file store): first in a new process (JIT included)", apply["cold"], "ms");
        harness.Add(Id, $"apply + rollback, {FileCount} files: median of 5 warm rounds (apply {apply["apply"]:0.00} ms, rollback {apply["rollback"]:0.00} ms)", apply["warm"], "ms");
        harness.Add(Id, $"reference (no library): copy the {FileCount} files aside + rename them back, median of 5", reference["warm"], "ms");
        double ratio = apply["warm"] / reference["warm"];
        harness.Add(Id, "apply + rollback ÷ reference", ratio, "x", "≤ 3×", ratio <= 3);
    }

    public static string SmallName(int i) => $"f{i:D3}.txt";

    public static string SmallFile(int i)
    {
        var sb = new StringBuilder();
        sb.Append("value = ").Append(i).Append('\n');
        while (sb.Length < FileSize)
        {
            sb.Append("filler line of file ").Append(i).Append('\n');
        }

        return sb.ToString(0, FileSize - 1) + "\n";
    }

    /// <summary>About 1 MB of 50-character lines (50 KB in a smoke run); line 100 of every 1/Replacements of the file holds the unique token <c>token{n}</c>.</summary>
    public static string BigFile()
    {
        int lines = Harness.Size(20_000, 1_000);
        var sb = new StringBuilder(lines * 52);
        for (int i = 0; i < lines; i++)
        {
            if (i % (lines / Replacements) == 100)
            {
                sb.Append("    token").Append(i / (lines / Replacements)).Append("_marker = compute(value)  # to change\n");
            }
            else
            {
                sb.Append("    line ").Append(i).Append(": some ordinary source text here\n");
            }
        }

        return sb.ToString();
    }

    public static ServiceProvider Services(string store)
    {
        var services = new ServiceCollection();
        services.AddSessions().UseFileStorage(store).AddEditing(o => o.MaxFileSize = 4 * 1_048_576);
        return services.BuildServiceProvider();
    }
}

/// <summary>The W14 preview child: a cold preview, then the median of 5 warm ones.</summary>
internal sealed class EditPreviewMeasurement : IChildMeasurement
{
    public const string MeasurementName = "w14-edit-preview";

    public string Name => MeasurementName;

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args)
    {
        await using var provider = EditWorkload.Services(args[1]);
        var editor = await provider.GetRequiredService<IEditSessionManager>().CreateAsync(args[0]);
        for (int n = 0; n < EditWorkload.Replacements; n++)
        {
            editor.Add(EditOperation.Replace("big.txt", $"token{n}_marker", $"token{n}_renamed"));
        }

        long start = Stopwatch.GetTimestamp();
        var first = await editor.PreviewAsync();
        double cold = Harness.ElapsedMs(start, Stopwatch.GetTimestamp());
        if (first.Files[0].LinesAdded != EditWorkload.Replacements)
        {
            throw new InvalidOperationException($"expected {EditWorkload.Replacements} changed lines, got {first.Files[0].LinesAdded}");
        }

        // Steady state: a few unmeasured calls first, so tiered JIT compilation of the hot paths is not counted as preview time.
        for (int i = 0; i < 3; i++)
        {
            await editor.PreviewAsync();
        }

        var warm = new List<double>();
        var cpu = new List<double>();
        using var process = Process.GetCurrentProcess();
        for (int i = 0; i < 5; i++)
        {
            process.Refresh();
            var cpuStart = process.TotalProcessorTime;
            start = Stopwatch.GetTimestamp();
            await editor.PreviewAsync();
            warm.Add(Harness.ElapsedMs(start, Stopwatch.GetTimestamp()));
            process.Refresh();
            cpu.Add((process.TotalProcessorTime - cpuStart).TotalMilliseconds);
        }

        return new Dictionary<string, double> { ["cold"] = cold, ["warm"] = Harness.Median(warm), ["cpu"] = Harness.Median(cpu), ["diffBytes"] = first.Diff.Length };
    }
}

/// <summary>The W14 apply child: ApplyBatchAsync + RollbackAsync of one replacement in each of 100 files, cold then 5 warm rounds.</summary>
internal sealed class EditApplyMeasurement : IChildMeasurement
{
    public const string MeasurementName = "w14-edit-apply";

    public string Name => MeasurementName;

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args)
    {
        await using var provider = EditWorkload.Services(args[1]);
        var editor = await provider.GetRequiredService<IEditSessionManager>().CreateAsync(args[0]);
        var batch = new EditBatch("bench", Enumerable.Range(0, EditWorkload.FileCount).Select(i => EditOperation.Replace(EditWorkload.SmallName(i), $"value = {i}\n", $"value = {i + 1000}\n")));
        var totals = new List<double>();
        var applies = new List<double>();
        var rollbacks = new List<double>();
        for (int round = 0; round < 6; round++)
        {
            long start = Stopwatch.GetTimestamp();
            await editor.ApplyBatchAsync(batch);
            long mid = Stopwatch.GetTimestamp();
            await editor.RollbackAsync();
            long end = Stopwatch.GetTimestamp();
            totals.Add(Harness.ElapsedMs(start, end));
            applies.Add(Harness.ElapsedMs(start, mid));
            rollbacks.Add(Harness.ElapsedMs(mid, end));
        }

        for (int i = 0; i < EditWorkload.FileCount; i++)
        {
            if (File.ReadAllText(Path.Combine(args[0], EditWorkload.SmallName(i))) != EditWorkload.SmallFile(i))
            {
                throw new InvalidOperationException($"rollback did not restore {EditWorkload.SmallName(i)}");
            }
        }

        return new Dictionary<string, double>
        {
            ["cold"] = totals[0],
            ["warm"] = Harness.Median(totals.Skip(1)),
            ["apply"] = Harness.Median(applies.Skip(1)),
            ["rollback"] = Harness.Median(rollbacks.Skip(1)),
        };
    }
}

/// <summary>The W14 reference child (no library): copy the 100 files to a folder aside, then rename them back over the originals.</summary>
internal sealed class EditReferenceMeasurement : IChildMeasurement
{
    public const string MeasurementName = "w14-edit-reference";

    public string Name => MeasurementName;

    public Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args)
    {
        string workspace = args[0], aside = args[1];
        Directory.CreateDirectory(aside);
        var rounds = new List<double>();
        for (int round = 0; round < 6; round++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < EditWorkload.FileCount; i++)
            {
                string name = EditWorkload.SmallName(i);
                File.Copy(Path.Combine(workspace, name), Path.Combine(aside, name), overwrite: true);
            }

            for (int i = 0; i < EditWorkload.FileCount; i++)
            {
                string name = EditWorkload.SmallName(i);
                File.Move(Path.Combine(aside, name), Path.Combine(workspace, name), overwrite: true);
            }

            rounds.Add(Harness.ElapsedMs(start, Stopwatch.GetTimestamp()));
        }

        return Task.FromResult<IReadOnlyDictionary<string, double>>(new Dictionary<string, double> { ["cold"] = rounds[0], ["warm"] = Harness.Median(rounds.Skip(1)) });
    }
}

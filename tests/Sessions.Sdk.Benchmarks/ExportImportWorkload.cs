using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Sessions.Sdk.Benchmarks;

/// <summary>
/// WE (issue 11): in a new process, export one 10,000-message file-store session to Json (≤ 1.5× the no-library reference:
/// read the journal, parse every line, write one JSON document) and import it back into an empty store (≤ 2× the reference:
/// parse the document, write the journal lines); and export a 100,000-message session with the process's peak memory under 100 MB.
/// </summary>
internal sealed class ExportImportWorkload : IWorkload
{
    /// <summary>The messages of the exported session: 10,000 (300 in a smoke run).</summary>
    public static readonly int Messages = Harness.Size(10_000, 300);

    public string Id => "WE";

    public async Task RunAsync(Harness harness, CancellationToken cancellationToken)
    {
        string source = Path.Combine(harness.WorkDirectory, "we-source");
        var storage = FileBench.CreateStorage(source);
        await storage.CreateAsync(new SessionInfo { Id = FileBench.SessionId, Title = "bench", CreatedAt = FileBench.Start, UpdatedAt = FileBench.Start }, FileBench.Messages(42, Messages, FileBench.Start), cancellationToken);
        FileBench.Dispose(storage);
        string journal = Path.Combine(source, FileBench.SessionId + ".jsonl");
        string exported = Path.Combine(harness.WorkDirectory, "we-export.json");
        string referenceOut = Path.Combine(harness.WorkDirectory, "we-reference.json");

        var export = await harness.MeasureAsync(ExportMeasurement.MeasurementName, source, exported);
        var exportReference = await harness.MeasureAsync(ExportReferenceMeasurement.MeasurementName, journal, referenceOut);
        var import = await harness.MeasureAsync(ImportMeasurement.MeasurementName, exported, Path.Combine(harness.WorkDirectory, "we-import"));
        var importReference = await harness.MeasureAsync(ImportReferenceMeasurement.MeasurementName, exported, Path.Combine(harness.WorkDirectory, "we-import-reference.jsonl"));

        harness.Add(Id, "10,000 messages: journal size", new FileInfo(journal).Length, "B");
        harness.Add(Id, "10,000 messages: exported document size", new FileInfo(exported).Length, "B");
        harness.Add(Id, "new process, ExportAsync(id, file, Json)", export["total"], "ms");
        harness.Add(Id, "reference (no library): read journal + parse every line + write one JSON document", exportReference["total"], "ms");
        double exportRatio = export["total"] / exportReference["total"];
        harness.Add(Id, "export ÷ reference", exportRatio, "x", "≤ 1.5×", exportRatio <= 1.5);
        harness.Add(Id, "new process, ImportAsync(file) into an empty file store", import["total"], "ms");
        harness.Add(Id, "reference (no library): parse the document + write the journal lines", importReference["total"], "ms");
        double importRatio = import["total"] / importReference["total"];
        harness.Add(Id, "import ÷ reference", importRatio, "x", "≤ 2×", importRatio <= 2);

        if (await harness.MeasureReadyToRunAsync(ExportMeasurement.MeasurementName, source, exported) is { } exportR2r
            && await harness.MeasureReadyToRunAsync(ExportReferenceMeasurement.MeasurementName, journal, referenceOut) is { } exportReferenceR2r
            && await harness.MeasureReadyToRunAsync(ImportMeasurement.MeasurementName, exported, Path.Combine(harness.WorkDirectory, "we-import")) is { } importR2r
            && await harness.MeasureReadyToRunAsync(ImportReferenceMeasurement.MeasurementName, exported, Path.Combine(harness.WorkDirectory, "we-import-reference.jsonl")) is { } importReferenceR2r)
        {
            harness.Add(Id, "children published ReadyToRun: ExportAsync(id, file, Json)", exportR2r["total"], "ms");
            harness.Add(Id, "· ReadyToRun reference: read journal + parse every line + write one JSON document", exportReferenceR2r["total"], "ms");
            double r2rExport = exportR2r["total"] / exportReferenceR2r["total"];
            harness.Add(Id, "· ReadyToRun: export ÷ reference", r2rExport, "x", "≤ 1.5×", r2rExport <= 1.5);
            harness.Add(Id, "· ReadyToRun: ImportAsync(file) into an empty file store", importR2r["total"], "ms");
            harness.Add(Id, "· ReadyToRun reference: parse the document + write the journal lines", importReferenceR2r["total"], "ms");
            double r2rImport = importR2r["total"] / importReferenceR2r["total"];
            harness.Add(Id, "· ReadyToRun: import ÷ reference", r2rImport, "x", "≤ 2×", r2rImport <= 2);
        }

        string big = Path.Combine(harness.WorkDirectory, "we-big");
        storage = FileBench.CreateStorage(big);
        await storage.CreateAsync(new SessionInfo { Id = FileBench.SessionId, CreatedAt = FileBench.Start, UpdatedAt = FileBench.Start }, [], cancellationToken);
        for (int i = 0; i < 10; i++)
        {
            await storage.AppendMessagesAsync(FileBench.SessionId, FileBench.Messages((uint)(100 + i), Harness.Size(10_000, 100), FileBench.Start), cancellationToken);
        }

        FileBench.Dispose(storage);
        var bigExport = await Harness.RunChildProcessAsync(ExportMeasurement.MeasurementName, big, Path.Combine(harness.WorkDirectory, "we-big.json"));
        harness.Add(Id, "100,000 messages: new process, ExportAsync(Json)", bigExport["total"], "ms");
        double peakMb = bigExport["peakWorkingSet"] / (1024.0 * 1024.0);
        harness.Add(Id, "100,000 messages: export process peak working set", peakMb, "MB", "< 100 MB", peakMb < 100);
        FileBench.DeleteDirectory(big);
    }
}

/// <summary>The WE export child: AddSessions + UseFileStorage, then ExportAsync of the session to a file.</summary>
internal sealed class ExportMeasurement : IChildMeasurement
{
    public const string MeasurementName = "we-export";

    public string Name => MeasurementName;

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args)
    {
        long start = Stopwatch.GetTimestamp();
        var services = new ServiceCollection();
        services.AddSessions().UseFileStorage(args[0]);
        await using var provider = services.BuildServiceProvider();
        var sessions = provider.GetRequiredService<ISessionManager>();
        await using (var output = new FileStream(args[1], FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024))
        {
            await sessions.ExportAsync(FileBench.SessionId, output, new SessionExportOptions { Format = SessionExportFormat.Json });
        }

        double total = Harness.ElapsedMs(start, Stopwatch.GetTimestamp());
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return new Dictionary<string, double>(StringComparer.Ordinal) { ["total"] = total, ["peakWorkingSet"] = process.PeakWorkingSet64 };
    }
}

/// <summary>The WE export reference (no library): read the journal, parse every line, write one JSON document of the same records.</summary>
internal sealed class ExportReferenceMeasurement : IChildMeasurement
{
    public const string MeasurementName = "we-export-reference";

    public string Name => MeasurementName;

    public Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args)
    {
        long start = Stopwatch.GetTimestamp();
        var bytes = File.ReadAllBytes(args[0]);
        int count = 0;
        using (var output = new FileStream(args[1], FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024))
        using (var writer = new Utf8JsonWriter(output))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("messages");
            var span = bytes.AsSpan();
            bool header = true;
            while (span.Length > 0)
            {
                int newline = span.IndexOf((byte)'\n');
                if (newline < 0) break;
                using (var line = JsonDocument.Parse(bytes.AsMemory(bytes.Length - span.Length, newline)))
                {
                    if (!header)
                    {
                        line.RootElement.WriteTo(writer);
                        count++;
                    }

                    header = false;
                }

                span = span[(newline + 1)..];
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        double total = Harness.ElapsedMs(start, Stopwatch.GetTimestamp());
        return Task.FromResult<IReadOnlyDictionary<string, double>>(new Dictionary<string, double>(StringComparer.Ordinal) { ["total"] = total, ["messages"] = count });
    }
}

/// <summary>The WE import child: AddSessions + UseFileStorage over an empty folder, then ImportAsync of the exported document.</summary>
internal sealed class ImportMeasurement : IChildMeasurement
{
    public const string MeasurementName = "we-import";

    public string Name => MeasurementName;

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args)
    {
        FileBench.DeleteDirectory(args[1]);
        long start = Stopwatch.GetTimestamp();
        var services = new ServiceCollection();
        services.AddSessions().UseFileStorage(args[1]);
        await using var provider = services.BuildServiceProvider();
        var sessions = provider.GetRequiredService<ISessionManager>();
        SessionImportResult result;
        await using (var input = new FileStream(args[0], FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024))
        {
            result = await sessions.ImportAsync(input);
        }

        double total = Harness.ElapsedMs(start, Stopwatch.GetTimestamp());
        if (result.Sessions.Single().MessageCount != ExportImportWorkload.Messages) throw new InvalidOperationException("the import lost messages");
        return new Dictionary<string, double>(StringComparer.Ordinal) { ["total"] = total };
    }
}

/// <summary>The WE import reference (no library): parse the exported document, write each message as one journal line.</summary>
internal sealed class ImportReferenceMeasurement : IChildMeasurement
{
    public const string MeasurementName = "we-import-reference";

    public string Name => MeasurementName;

    public Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args)
    {
        long start = Stopwatch.GetTimestamp();
        int count = 0;
        using (var document = JsonDocument.Parse(File.ReadAllBytes(args[0])))
        using (var output = new FileStream(args[1], FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024))
        {
            foreach (var message in document.RootElement.GetProperty("messages").EnumerateArray())
            {
                using (var writer = new Utf8JsonWriter(output))
                {
                    message.WriteTo(writer);
                }

                output.WriteByte((byte)'\n');
                count++;
            }

            output.Flush(flushToDisk: false);
        }

        double total = Harness.ElapsedMs(start, Stopwatch.GetTimestamp());
        return Task.FromResult<IReadOnlyDictionary<string, double>>(new Dictionary<string, double>(StringComparer.Ordinal) { ["total"] = total, ["messages"] = count });
    }
}

/// <summary>Writes the WE source store (session <c>bench-session</c> of N messages, seed 42) as the workload does, runnable alone
/// (<c>--child we-fixture DIR N</c>) to profile the export and import children by hand.</summary>
internal sealed class ExportFixtureMeasurement : IChildMeasurement
{
    public const string MeasurementName = "we-fixture";

    public string Name => MeasurementName;

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args)
    {
        int count = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
        var storage = FileBench.CreateStorage(args[0]);
        await storage.CreateAsync(new SessionInfo { Id = FileBench.SessionId, Title = "bench", CreatedAt = FileBench.Start, UpdatedAt = FileBench.Start }, FileBench.Messages(42, count, FileBench.Start));
        FileBench.Dispose(storage);
        return new Dictionary<string, double>(StringComparer.Ordinal) { ["messages"] = count };
    }
}

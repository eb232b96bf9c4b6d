using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using FsCheck;

namespace Sessions.Sdk.Tests;

/// <summary>
/// Property-based fuzzing of import, 1,000 cases per format: truncations, byte flips, type swaps, deep nesting, huge strings,
/// duplicate ids and inserted junk over a valid document. Every case either imports or throws SessionFormatException /
/// ArgumentException, a failed import leaves the store's listing unchanged, and no case takes 2 s.
/// </summary>
#pragma warning disable NUnit1027 // FsCheck supplies the arguments
[NonParallelizable]
public sealed class ImportFuzzTests
{
    private const int Cases = 1000;
    private static readonly ConcurrentDictionary<string, int> Counts = new(StringComparer.Ordinal);
    private static readonly Lazy<Dictionary<string, (byte[] Document, byte[] Duplicate)>> Bases = new(CreateBases);
    private CoreTestHost _host = null!;
    private string[] _baseline = [];

    [OneTimeSetUp]
    public async Task OneTimeSetUp()
    {
        _host = new CoreTestHost();
        await _host.Sessions.Storage.CreateAsync(new SessionInfo { Id = "keep", CreatedAt = FormatTestData.Created, UpdatedAt = FormatTestData.Created }, []);
        _baseline = await ExportImportTestSupport.ListIdsAsync(_host.Sessions);
    }

    [OneTimeTearDown]
    public void OneTimeTearDown()
    {
        _host.Dispose();
        TestContext.Progress.WriteLine("Import fuzz cases: " + string.Join(", ", Counts.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}")));
    }

    [FsCheck.NUnit.Property(MaxTest = Cases)]
    public bool Fuzz_SessionDocument(DoNotSize<ulong> seed) => Run("sessions.sdk-session", seed.Item);

    [FsCheck.NUnit.Property(MaxTest = Cases)]
    public bool Fuzz_SessionBundle(DoNotSize<ulong> seed) => Run("sessions.sdk-bundle", seed.Item);

    [FsCheck.NUnit.Property(MaxTest = Cases)]
    public bool Fuzz_Paracle(DoNotSize<ulong> seed) => Run("paracle", seed.Item);

    [FsCheck.NUnit.Property(MaxTest = Cases)]
    public bool Fuzz_ChannelCoder(DoNotSize<ulong> seed) => Run("channelcoder", seed.Item);

    [FsCheck.NUnit.Property(MaxTest = Cases)]
    public bool Fuzz_AINative(DoNotSize<ulong> seed) => Run("ainative", seed.Item);

    [FsCheck.NUnit.Property(MaxTest = Cases)]
    public bool Fuzz_AINativeAll(DoNotSize<ulong> seed) => Run("ainative-all", seed.Item);

    [FsCheck.NUnit.Property(MaxTest = Cases)]
    public bool Fuzz_Coda(DoNotSize<ulong> seed) => Run("coda", seed.Item);

    [FsCheck.NUnit.Property(MaxTest = Cases)]
    public bool Fuzz_OpenAIMessageList(DoNotSize<ulong> seed) => Run("openai", seed.Item);

    private bool Run(string format, ulong seed)
    {
        Counts.AddOrUpdate(format, 1, (_, n) => n + 1);
        var (document, duplicate) = Bases.Value[format];
        var random = new Random(unchecked((int)(seed ^ (seed >> 32))));
        var input = Mutate(document, duplicate, random);
        var watch = Stopwatch.StartNew();
        try
        {
            var result = _host.Sessions.ImportAsync(new MemoryStream(input)).GetAwaiter().GetResult();
            foreach (var created in result.Sessions) _host.Sessions.Storage.DeleteAsync(created.Id).AsTask().GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is SessionFormatException or ArgumentException)
        {
            var now = ExportImportTestSupport.ListIdsAsync(_host.Sessions).GetAwaiter().GetResult();
            if (!now.SequenceEqual(_baseline)) throw new AssertionException($"{format}: a failed import changed the store: {string.Join(",", now)}");
        }

        if (watch.Elapsed > TimeSpan.FromSeconds(2)) throw new AssertionException($"{format}: a case took {watch.Elapsed}");
        return true;
    }

    private static byte[] Mutate(byte[] document, byte[] duplicate, Random random)
    {
        switch (random.Next(7))
        {
            case 0:
                return document[..random.Next(document.Length)];
            case 1:
                var flipped = (byte[])document.Clone();
                int flips = 1 + random.Next(4);
                for (int i = 0; i < flips; i++) flipped[random.Next(flipped.Length)] ^= (byte)(1 + random.Next(255));
                return flipped;
            case 2:
                return Replace(document, random, random.Next(6) switch
                {
                    0 => JsonValue.Create(42),
                    1 => JsonValue.Create("x"),
                    2 => JsonValue.Create(true),
                    3 => null,
                    4 => new JsonArray(),
                    _ => new JsonObject(),
                });
            case 3:
                int depth = 65 + random.Next(5000);
                var marked = Encoding.UTF8.GetString(Replace(document, random, JsonValue.Create("DEEPNESTMARKER")));
                return Encoding.UTF8.GetBytes(marked.Replace("\"DEEPNESTMARKER\"", new string('[', depth) + new string(']', depth), StringComparison.Ordinal));
            case 4:
                return Replace(document, random, JsonValue.Create(new string((char)('a' + random.Next(26)), 500_000 + random.Next(1_500_000))));
            case 5:
                return duplicate;
            default:
                var junk = new byte[1 + random.Next(8)];
                random.NextBytes(junk);
                int at = random.Next(document.Length);
                return [.. document[..at], .. junk, .. document[at..]];
        }
    }

    // Replaces one randomly chosen value of the document (any depth) with another.
    private static byte[] Replace(byte[] document, Random random, JsonNode? replacement)
    {
        var root = JsonNode.Parse(document)!;
        var nodes = new List<(JsonNode Parent, string? Name, int Index)>();
        Collect(root, nodes);
        if (nodes.Count == 0) return document;
        var (parent, name, index) = nodes[random.Next(nodes.Count)];
        if (parent is JsonObject obj) obj[name!] = replacement;
        else ((JsonArray)parent)[index] = replacement;
        return Encoding.UTF8.GetBytes(root.ToJsonString());
    }

    private static void Collect(JsonNode node, List<(JsonNode, string?, int)> nodes)
    {
        if (node is JsonObject obj)
        {
            foreach (var pair in obj.ToList())
            {
                nodes.Add((obj, pair.Key, -1));
                if (pair.Value is not null) Collect(pair.Value, nodes);
            }
        }
        else if (node is JsonArray array)
        {
            for (int i = 0; i < array.Count; i++)
            {
                nodes.Add((array, null, i));
                if (array[i] is { } item) Collect(item, nodes);
            }
        }
    }

    private static Dictionary<string, (byte[], byte[])> CreateBases()
    {
        static byte[] B(string s) => Encoding.UTF8.GetBytes(s);
        static byte[] Twice(string s) => B("[" + s + "," + s + "]");
        var single = FormatTestData.WriteAsync(FormatTestData.Document()).GetAwaiter().GetResult();
        var bundle = FormatTestData.WriteBundleAsync(FormatTestData.Document("a"), FormatTestData.Document("b")).GetAwaiter().GetResult();
        var duplicateBundle = FormatTestData.WriteBundleAsync(FormatTestData.Document("a"), FormatTestData.Document("a")).GetAwaiter().GetResult();
        return new(StringComparer.Ordinal)
        {
            ["sessions.sdk-session"] = (single, duplicateBundle),
            ["sessions.sdk-bundle"] = (bundle, duplicateBundle),
            ["paracle"] = (B(ImportSamples.Paracle), Twice(ImportSamples.Paracle)),
            ["channelcoder"] = (B(ImportSamples.ChannelCoderState), Twice(ImportSamples.ChannelCoderState)),
            ["ainative"] = (B(ImportSamples.AINative), Twice(ImportSamples.AINative)),
            ["ainative-all"] = (B(ImportSamples.AINativeAll), Twice(ImportSamples.AINative)),
            ["coda"] = (B(ImportSamples.Coda), Twice(ImportSamples.Coda)),
            ["openai"] = (B(ImportSamples.OpenAIList), B("{\"sessions\":[{\"id\":\"d\",\"messages\":" + ImportSamples.OpenAIList + "},{\"id\":\"d\",\"messages\":" + ImportSamples.OpenAIList + "}]}")),
        };
    }
}

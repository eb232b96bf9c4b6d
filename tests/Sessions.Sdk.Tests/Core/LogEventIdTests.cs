using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Sessions.Sdk.Testing;

namespace Sessions.Sdk.Tests;

/// <summary>Keeps log event ids unique across every shipped package and inside each package's range in src/Shared/README.md.</summary>
public sealed partial class LogEventIdTests
{
    /// <summary>One type of each shipped library assembly (the CLI logs nothing of its own).</summary>
    private static readonly Assembly[] Shipped =
    [
        typeof(ISessionStorage).Assembly,
        typeof(Session).Assembly,
        typeof(OpenAIProviderOptions).Assembly,
        typeof(AnthropicProviderOptions).Assembly,
        typeof(SqliteStorageOptions).Assembly,
        typeof(PostgreSqlStorageOptions).Assembly,
        typeof(SessionStorageConformanceTests).Assembly,
    ];

    [Test]
    public void LoggerMessages_EveryEventIdIsExplicitAndUniqueAcrossPackages()
    {
        var all = LogMethods().ToList();
        var clashes = all.GroupBy(m => m.EventId)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => m.Name))}")
            .ToList();

        Assert.Multiple(() =>
        {
            Assert.That(
                all.Select(m => m.Assembly).Distinct(),
                Is.SupersetOf(new[] { "Sessions.Sdk", "Sessions.Sdk.OpenAI", "Sessions.Sdk.Anthropic", "Sessions.Sdk.Sqlite", "Sessions.Sdk.PostgreSql" }),
                "every logging package is reflected over");
            Assert.That(all.Where(m => m.EventId <= 0).Select(m => m.Name), Is.Empty, "every [LoggerMessage] names its event id");
            Assert.That(clashes, Is.Empty, "event ids used by more than one message");
        });
    }

    [Test]
    public void LoggerMessages_EveryEventIdIsInItsPackagesDocumentedRange()
    {
        var ranges = DocumentedRanges();
        Assert.That(ranges, Is.Not.Empty, "the range table in src/Shared/README.md");

        var outside = LogMethods()
            .Where(m => !ranges.Any(r => r.Package == m.Assembly && m.EventId >= r.From && m.EventId <= r.To))
            .Select(m => $"{m.Name} ({m.Assembly}) uses {m.EventId}")
            .ToList();

        Assert.That(outside, Is.Empty);
    }

    [Test]
    public void DocumentedRanges_DoNotOverlapBetweenPackages()
    {
        var ranges = DocumentedRanges();
        var overlaps = (from a in ranges
                        from b in ranges
                        where a.Package != b.Package && string.CompareOrdinal(a.Package, b.Package) < 0 && a.From <= b.To && b.From <= a.To
                        select $"{a.Package} {a.From}-{a.To} ~ {b.Package} {b.From}-{b.To}").ToList();

        Assert.That(overlaps, Is.Empty);
    }

    private static IEnumerable<(string Assembly, string Name, int EventId)> LogMethods()
    {
        const BindingFlags Everything = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
        foreach (var assembly in Shipped)
        {
            foreach (var type in assembly.GetTypes())
            {
                foreach (var method in type.GetMethods(Everything))
                {
                    if (method.GetCustomAttribute<LoggerMessageAttribute>() is { } attribute)
                    {
                        yield return (assembly.GetName().Name!, $"{type.FullName}.{method.Name}", attribute.EventId);
                    }
                }
            }
        }
    }

    /// <summary>Reads the rows <c>| 1000-1999 | Sessions.Sdk | … |</c> of the event-id table; reserved rows name no package.</summary>
    private static List<(string Package, int From, int To)> DocumentedRanges()
    {
        string readme = File.ReadAllText(Path.Combine(SourceFiles.RepositoryRoot(), "src", "Shared", "README.md"));
        var ranges = new List<(string Package, int From, int To)>();
        foreach (Match row in RangeRow().Matches(readme))
        {
            string package = row.Groups["package"].Value.Trim();
            if (!package.StartsWith("Sessions.", StringComparison.Ordinal)) continue;
            ranges.Add((package, Number(row.Groups["from"].Value), Number(row.Groups["to"].Value)));
        }

        return ranges;

        static int Number(string digits) => int.Parse(digits, System.Globalization.CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^\|\s*(?<from>\d+)-(?<to>\d+)\s*\|\s*(?<package>[^|]+)\|", RegexOptions.Multiline)]
    private static partial Regex RangeRow();
}

using System.Xml.Linq;

namespace Sessions.Sdk.Tests;

/// <summary>
/// The W7-PostgreSql benchmark publishes its store-only start-up child ReadyToRun with extra crossgen2 options, and a harness row
/// may only be measured with a setting the package's README tells applications to use: the options that child's project sets
/// must stand in the README's ReadyToRun advice exactly as written there.
/// </summary>
[TestFixture]
public sealed class PostgreSqlReadyToRunAdviceTests
{
    private const string Property = "PublishReadyToRunCrossgen2ExtraArgs";

    [Test]
    public void StartupChildReadyToRunOptions_AreThoseThePackageReadmeGivesApplications()
    {
        string root = SourceFiles.RepositoryRoot();
        var project = XDocument.Load(Path.Combine(root, "tests", "Sessions.Sdk.Benchmarks.NativeAot", "Sessions.Sdk.Benchmarks.NativeAot.csproj"));
        var options = project.Descendants(Property).Select(e => e.Value.Trim()).ToList();
        string readme = File.ReadAllText(Path.Combine(root, "src", "Sessions.Sdk.PostgreSql", "README.md"));

        Assert.Multiple(() =>
        {
            Assert.That(options, Has.Count.EqualTo(1), $"the start-up child sets {Property} once");
            Assert.That(options, Has.All.Contains("--opt-cross-module:*"), "the option the README explains");
            Assert.That(readme, Does.Contain($"<{Property}>{options.FirstOrDefault()}</{Property}>"), "the README's ReadyToRun advice");
        });
    }
}

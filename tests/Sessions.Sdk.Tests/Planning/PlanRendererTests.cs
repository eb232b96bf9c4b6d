using YamlDotNet.RepresentationModel;

namespace Sessions.Sdk.Tests;

[TestFixture]
public sealed class PlanRendererTests
{
    private static Plan Sample() => new()
    {
        Id = "plan-abc123",
        Goal = "Build a REST API with authentication",
        Title = "Build a REST API with authentication",
        Status = PlanStatus.Executing,
        Steps =
        [
            new PlanStep { Id = "step-1", Title = "Create project structure", Description = "Set up FastAPI project\nCreate directory layout", Status = PlanStepStatus.Completed, Output = "done", Attempts = 1 },
            new PlanStep { Id = "step-2", Title = "Define data models", Description = "User model", Dependencies = ["step-1"], Status = PlanStepStatus.Failed, Error = "boom" },
            new PlanStep { Id = "step-3", Title = "Implement authentication", Dependencies = ["step-2"], Status = PlanStepStatus.Skipped },
        ],
    };

    [Test]
    public void ToMarkdown_RendersTheSeedChecklist()
    {
        Assert.That(Sample().ToMarkdown(), Is.EqualTo("""
            # Build a REST API with authentication

            Status: executing

            1. [x] Create project structure
               - Set up FastAPI project
               - Create directory layout

            2. [!] Define data models (failed: boom)
               - User model
               Dependencies: Step 1

            3. [-] Implement authentication (skipped)
               Dependencies: Step 2

            """));
    }

    [Test]
    public void ToYaml_RendersTheSeedPlanStructure()
    {
        var yaml = Sample().ToYaml();
        Assert.That(yaml, Does.StartWith("plan:\n  id: \"plan-abc123\"\n  title: \"Build a REST API with authentication\"\n"));
        Assert.That(yaml, Does.Contain("  status: executing\n"));
        Assert.That(yaml, Does.Contain("    - id: \"step-2\"\n      title: \"Define data models\"\n      description: \"User model\"\n      status: failed\n      dependencies: [\"step-1\"]\n      error: \"boom\"\n"));

        var doc = Load(yaml);
        var steps = (YamlSequenceNode)((YamlMappingNode)doc["plan"])["steps"];
        Assert.That(steps.Children, Has.Count.EqualTo(3));
        Assert.That(((YamlScalarNode)((YamlMappingNode)steps[0])["description"]).Value, Is.EqualTo("Set up FastAPI project\nCreate directory layout"));
    }

    [TestCase("plain")]
    [TestCase("quote \" and backslash \\ and colon: hash # dash - ")]
    [TestCase("newline\nand tab\tand cr\r")]
    [TestCase("control \u0001\u001f\u007f\u0085 bom \ufeff ls \u2028")]
    [TestCase("unicode é 漢字 🎉")]
    [TestCase("- leading dash")]
    [TestCase("yes")]
    [TestCase("")]
    public void ToYaml_HostileText_RoundTripsThroughAYamlParser(string text)
    {
        var plan = Sample() with { Title = text, Steps = [new PlanStep { Id = "s", Title = text, Description = text, Output = text }] };
        var doc = (YamlMappingNode)Load(plan.ToYaml())["plan"];
        Assert.That(((YamlScalarNode)doc["title"]).Value, Is.EqualTo(text));
        var step = (YamlMappingNode)((YamlSequenceNode)doc["steps"])[0];
        Assert.That(((YamlScalarNode)step["output"]).Value, Is.EqualTo(text));
        Assert.That(((YamlScalarNode)step["description"]).Value, Is.EqualTo(text));
    }

    private static YamlMappingNode Load(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }
}

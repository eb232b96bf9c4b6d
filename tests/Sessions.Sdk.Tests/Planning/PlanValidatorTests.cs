namespace Sessions.Sdk.Tests;

[TestFixture]
public sealed class PlanValidatorTests
{
    private static PlanStepDefinition S(string id, params string[] deps) => new() { Id = id, Title = "T", Dependencies = deps };

    [Test]
    public void Validate_ValidDag_HasNoErrors() =>
        Assert.That(PlanValidator.Validate([S("a"), S("b", "a"), S("c", "a"), S("d", "b", "c")], 10), Is.Empty);

    [Test]
    public void Validate_LongCycle_NamesTheCyclePath() =>
        Assert.That(PlanValidator.Validate([S("a", "d"), S("b", "a"), S("c", "b"), S("d", "c"), S("e")], 10), Is.EqualTo(new[] { "Steps form a dependency cycle: a -> d -> c -> b -> a." }));

    [Test]
    public void Validate_SeveralFaults_ReportsEachOne()
    {
        var errors = PlanValidator.Validate([S("a", "x"), S("a"), S("b", "a", "a")], 2);
        Assert.That(errors, Is.EqualTo(new[]
        {
            "The plan has 3 steps; at most 2 are allowed.",
            "Step id 'a' is used by more than one step; ids must be unique.",
            "Step 'a' depends on unknown step 'x'.",
            "Step 'b' lists dependency 'a' more than once.",
        }));
    }

    [Test]
    public void FindCycle_DeepChain_DoesNotOverflowAndFindsNone()
    {
        var steps = Enumerable.Range(0, 50_000).Select(i => i == 0 ? S("s0") : S("s" + i, "s" + (i - 1))).ToList();
        Assert.That(PlanValidator.FindCycle(steps), Is.Null);
    }
}

using Microsoft.Extensions.AI;

namespace Sessions.Sdk.Tests;

public sealed class ChatModelCatalogTests
{
    private static readonly ChatModelInfo Gpt4o = new() { ProviderName = "openai", ModelId = "gpt-4o", ContextWindow = 128_000, InputPricePerMillion = 2.50m, OutputPricePerMillion = 10m };
    private static readonly ChatModelInfo Mini = new() { ProviderName = "openai", ModelId = "gpt-4o-mini", InputPricePerMillion = 0.15m, OutputPricePerMillion = 0.60m };

    [Test]
    public void Find_ExactDatedAndOtherProvider_MatchesAsDocumented()
    {
        var catalog = new ChatModelCatalog([Gpt4o, Mini]);

        Assert.Multiple(() =>
        {
            Assert.That(catalog.Find("OpenAI", "GPT-4o"), Is.SameAs(Gpt4o));
            Assert.That(catalog.Find("openai", "gpt-4o-2024-08-06"), Is.SameAs(Gpt4o));
            Assert.That(catalog.Find("openai", "gpt-4o-mini-2024-07-18"), Is.SameAs(Mini), "the longest prefix wins");
            Assert.That(catalog.Find("anthropic", "gpt-4o"), Is.Null);
            Assert.That(catalog.Find(null, "gpt-4o"), Is.SameAs(Gpt4o));
            Assert.That(catalog.Find("openai", null), Is.Null);
        });
    }

    [Test]
    public void ToSessionUsage_KnownModel_CostIsTokensTimesPrice()
    {
        var catalog = new ChatModelCatalog([Gpt4o]);

        var usage = catalog.ToSessionUsage(new UsageDetails { InputTokenCount = 1_000, OutputTokenCount = 500 }, "openai", "gpt-4o");

        Assert.That(usage, Is.EqualTo(new SessionUsage { InputTokens = 1_000, OutputTokens = 500, TotalTokens = 1_500, Cost = 0.0075m, Requests = 1 }));
    }

    [Test]
    public void ToSessionUsage_UnknownModel_CountsTokensAndMarksTheCostUnknown()
    {
        var usage = new ChatModelCatalog([]).ToSessionUsage(new UsageDetails { InputTokenCount = 10, OutputTokenCount = 2, TotalTokenCount = 13 }, "x", "y");

        Assert.That((usage.TotalTokens, usage.Cost, usage.Requests, usage.UnpricedRequests), Is.EqualTo((13L, 0m, 1, 1)));
    }

    [Test]
    public void ToSessionUsage_ModelWithoutBothPrices_IsUnpriced_ButAModelPricedAtZeroIsFree()
    {
        var windowOnly = new ChatModelInfo { ProviderName = "local", ModelId = "llama", ContextWindow = 8_000 };
        var inputOnly = new ChatModelInfo { ProviderName = "local", ModelId = "half", InputPricePerMillion = 1m };
        var free = new ChatModelInfo { ProviderName = "local", ModelId = "free", InputPricePerMillion = 0m, OutputPricePerMillion = 0m };
        var catalog = new ChatModelCatalog([windowOnly, inputOnly, free, Gpt4o]);
        var tokens = new UsageDetails { InputTokenCount = 1_000, OutputTokenCount = 500 };

        using (Assert.EnterMultipleScope())
        {
            Assert.That(catalog.ToSessionUsage(tokens, "local", "llama", requests: 3).UnpricedRequests, Is.EqualTo(3));
            Assert.That(catalog.ToSessionUsage(tokens, "local", "half").UnpricedRequests, Is.EqualTo(1), "half a price is not a price");
            Assert.That(catalog.ToSessionUsage(tokens, "local", "half").Cost, Is.Zero, "an unpriced request adds nothing to the known cost");
            Assert.That(catalog.ToSessionUsage(tokens, "local", "free").UnpricedRequests, Is.Zero, "priced at zero: known to be free");
            Assert.That(catalog.ToSessionUsage(tokens, "openai", "gpt-4o").UnpricedRequests, Is.Zero);
            Assert.That((windowOnly.HasPrices, inputOnly.HasPrices, free.HasPrices), Is.EqualTo((false, false, true)));
        }
    }

    [Test]
    public void Constructor_SameModelTwice_LaterReplacesEarlier()
    {
        var cheaper = Gpt4o with { InputPricePerMillion = 1m };

        var catalog = new ChatModelCatalog([Gpt4o, cheaper]);

        Assert.That(catalog.Models, Has.Count.EqualTo(1));
        Assert.That(catalog.Find("openai", "gpt-4o")!.InputPricePerMillion, Is.EqualTo(1m));
    }

    [Test]
    public void Constructor_NegativePrice_ThrowsNamingModel()
    {
        var ex = Assert.Throws<ArgumentException>(() => new ChatModelCatalog([Gpt4o with { OutputPricePerMillion = -1m }]));

        Assert.That(ex!.Message, Does.Contain("gpt-4o").And.Contain("prices"));
    }
}

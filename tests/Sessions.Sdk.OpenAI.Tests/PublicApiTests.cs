namespace Sessions.Sdk.Tests;

/// <summary>Keeps the OpenAI package's public surface reviewed: any change must update the approved listing.</summary>
public sealed class PublicApiTests
{
    [Test]
    public void PublicApi_SessionsSdkOpenAI_MatchesApprovedListing() =>
        Assert.That(PublicApiListing.Difference(typeof(OpenAIProviderOptions).Assembly, "PublicApi.approved.txt"), Is.Null);
}

namespace Sessions.Sdk.Tests;

/// <summary>Keeps the Anthropic package's public surface reviewed: any change must update the approved listing.</summary>
public sealed class PublicApiTests
{
    [Test]
    public void PublicApi_SessionsSdkAnthropic_MatchesApprovedListing() =>
        Assert.That(PublicApiListing.Difference(typeof(AnthropicProviderOptions).Assembly, "PublicApi.approved.txt"), Is.Null);
}

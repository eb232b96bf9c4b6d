using Sessions.Sdk.Testing;

namespace Sessions.Sdk.Tests;

/// <summary>Keeps the public surface of the core packages reviewed: any change must update the approved listing.</summary>
public sealed class PublicApiTests
{
    [Test]
    public void PublicApi_SessionsSdkAbstractions_MatchesApprovedListing() =>
        Assert.That(PublicApiListing.Difference(typeof(ISessionStorage).Assembly, "Sessions.Sdk.Abstractions.approved.txt"), Is.Null);

    [Test]
    public void PublicApi_SessionsSdk_MatchesApprovedListing() =>
        Assert.That(PublicApiListing.Difference(typeof(Session).Assembly, "Sessions.Sdk.approved.txt"), Is.Null);

    [Test]
    public void PublicApi_SessionsSdkTesting_MatchesApprovedListing() =>
        Assert.That(PublicApiListing.Difference(typeof(SessionStorageConformanceTests).Assembly, "Sessions.Sdk.Testing.approved.txt"), Is.Null);
}

using Sessions.Sdk.Testing;

namespace Sessions.Sdk.Tests;

/// <summary>Keeps the public surface of the core packages reviewed: any change must update the approved listing.</summary>
public sealed class PublicApiTests
{
    [Test]
    public void PublicApi_SessionsSdkAbstractions_MatchesApprovedListing() =>
        PublicApiListing.AssertMatchesApproved(typeof(ISessionStorage).Assembly, "Sessions.Sdk.Abstractions.approved.txt");

    [Test]
    public void PublicApi_SessionsSdk_MatchesApprovedListing() =>
        PublicApiListing.AssertMatchesApproved(typeof(Session).Assembly, "Sessions.Sdk.approved.txt");

    [Test]
    public void PublicApi_SessionsSdkTesting_MatchesApprovedListing() =>
        PublicApiListing.AssertMatchesApproved(typeof(SessionStorageConformanceTests).Assembly, "Sessions.Sdk.Testing.approved.txt");
}

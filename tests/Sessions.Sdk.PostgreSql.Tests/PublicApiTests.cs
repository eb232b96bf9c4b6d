namespace Sessions.Sdk.Tests;

/// <summary>Keeps the PostgreSQL package's public surface reviewed: any change must update the approved listing.</summary>
public sealed class PublicApiTests
{
    [Test]
    public void PublicApi_SessionsSdkPostgreSql_MatchesApprovedListing() =>
        Assert.That(PublicApiListing.Difference(typeof(PostgreSqlStorageOptions).Assembly, "PublicApi.approved.txt"), Is.Null);
}

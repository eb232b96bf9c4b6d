namespace Sessions.Sdk.Tests;

/// <summary>Keeps the SQLite package's public surface reviewed: any change must update the approved listing.</summary>
public sealed class PublicApiTests
{
    [Test]
    public void PublicApi_SessionsSdkSqlite_MatchesApprovedListing() =>
        Assert.That(PublicApiListing.Difference(typeof(SqliteStorageOptions).Assembly, "PublicApi.approved.txt"), Is.Null);
}

namespace Sessions.Sdk.Tests;

/// <summary>Tests validation of <see cref="SqliteStorageOptions"/>.</summary>
[TestFixture]
public sealed class SqliteStorageOptionsTests
{
    [Test]
    public void Defaults_AreNormalSyncFiveSecondBusyTimeoutTenRetries()
    {
        var options = new SqliteStorageOptions();

        Assert.That(options.Synchronous, Is.EqualTo(SqliteSynchronousMode.Normal));
        Assert.That(options.BusyTimeout, Is.EqualTo(TimeSpan.FromSeconds(5)));
        Assert.That(options.MaxBusyRetries, Is.EqualTo(10));
        Assert.That(options.TimeProvider, Is.Null);
    }

    [TestCase(null, "ConnectionString", "is required")]
    [TestCase("   ", "ConnectionString", "is required")]
    [TestCase("Data Source=:memory:", "ConnectionString", "private in-memory database")]
    [TestCase("Data Source=x;Mode=Memory", "ConnectionString", "private in-memory database")]
    [TestCase("Data Source=x.db;Mode=ReadOnly", "ConnectionString", "read-only")]
    [TestCase("Data Source=", "ConnectionString", "names no 'Data Source'")]
    [TestCase("Not A Keyword=1", "ConnectionString", "not a valid SQLite connection string")]
    public void Validate_BadConnectionString_ThrowsNamingTheOption(string? connectionString, string param, string fragment)
    {
        var options = new SqliteStorageOptions { ConnectionString = connectionString };

        var ex = Assert.Throws<ArgumentException>(options.Validate);

        Assert.That(ex!.ParamName, Is.EqualTo(param));
        Assert.That(ex.Message, Does.Contain("SqliteStorageOptions.ConnectionString").And.Contain(fragment));
    }

    [Test]
    public void Validate_OutOfRangeValues_ThrowNamingTheOption()
    {
        Assert.That(Assert.Throws<ArgumentException>(new SqliteStorageOptions { ConnectionString = "Data Source=x.db", BusyTimeout = TimeSpan.FromMinutes(11) }.Validate)!.ParamName, Is.EqualTo("BusyTimeout"));
        Assert.That(Assert.Throws<ArgumentException>(new SqliteStorageOptions { ConnectionString = "Data Source=x.db", MaxBusyRetries = -1 }.Validate)!.ParamName, Is.EqualTo("MaxBusyRetries"));
        Assert.That(Assert.Throws<ArgumentException>(new SqliteStorageOptions { ConnectionString = "Data Source=x.db", Synchronous = (SqliteSynchronousMode)9 }.Validate)!.ParamName, Is.EqualTo("Synchronous"));
    }

    [TestCase("Data Source=sessions.db")]
    [TestCase("Data Source=shared;Mode=Memory;Cache=Shared")]
    [TestCase("Data Source=/tmp/x/y.db;Pooling=False;Default Timeout=10")]
    public void Validate_GoodConnectionString_Passes(string connectionString)
    {
        Assert.DoesNotThrow(new SqliteStorageOptions { ConnectionString = connectionString }.Validate);
    }
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Sessions.Sdk.Tests;

/// <summary>SQLite store options registered as options: validated at host start, naming the option, before the database is touched.</summary>
[TestFixture]
public sealed class SqliteStorageOptionsValidatorTests : SqliteDatabaseTests
{
    [TestCase("BusyTimeout")]
    [TestCase("MaxBusyRetries")]
    [TestCase("ConnectionString")]
    public async Task BadValueConfiguredAfterUseSqliteStorage_FailsAtHostStartNamingTheOption(string option)
    {
        var services = new ServiceCollection();
        services.AddSessions().UseSqliteStorage(Database.ConnectionString);
        services.Configure<SqliteStorageOptions>(o =>
        {
            // As binding from configuration would set it, after the Use call's own (valid) values.
            switch (option)
            {
                case "BusyTimeout": o.BusyTimeout = TimeSpan.FromHours(1); break;
                case "MaxBusyRetries": o.MaxBusyRetries = -1; break;
                default: o.ConnectionString = "Data Source=:memory:"; break;
            }
        });
        await using var provider = services.BuildServiceProvider();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(async () => await provider.GetRequiredService<IAsyncStartupValidator>().ValidateAsync(CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(ex.OptionsType, Is.EqualTo(typeof(SqliteStorageOptions)));
            Assert.That(ex.Message, Does.Contain($"SqliteStorageOptions.{option}"));
            Assert.That(File.Exists(Database.FilePath), Is.False, "the database is not opened with a bad value");
        });
    }

    [Test]
    public async Task ConfiguredAfterUseSqliteStorage_IsWhatTheStoreUses()
    {
        string other = Path.Combine(Database.Directory, "bound.db");
        var services = new ServiceCollection();
        services.AddSessions().UseSqliteStorage(Database.ConnectionString);
        services.Configure<SqliteStorageOptions>(o => o.ConnectionString = $"Data Source={other}");
        await using var provider = services.BuildServiceProvider();

        await provider.GetRequiredService<IAsyncStartupValidator>().ValidateAsync(CancellationToken.None);
        await foreach (var _ in provider.GetRequiredService<ISessionStorage>().ListAsync(SessionQuery.All))
        {
        }

        Assert.That(File.Exists(other), Is.True);
    }

    [Test]
    public void UseSqliteStorage_TwiceWithOtherOptions_LastCallReplacesTheEarlierCallsSettings()
    {
        string second = Path.Combine(Database.Directory, "second.db");
        var services = new ServiceCollection();
        services.AddSessions()
            .UseSqliteStorage(Database.ConnectionString, o => o.MaxBusyRetries = 3)
            .UseSqliteStorage($"Data Source={second}");
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<SqliteStorageOptions>>().Value;

        Assert.Multiple(() =>
        {
            Assert.That(options.ConnectionString, Is.EqualTo($"Data Source={second}"));
            Assert.That(options.MaxBusyRetries, Is.EqualTo(new SqliteStorageOptions().MaxBusyRetries));
        });
    }
}

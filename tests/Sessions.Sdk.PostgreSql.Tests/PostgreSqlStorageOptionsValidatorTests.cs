using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Sessions.Sdk.Tests;

/// <summary>PostgreSQL store options registered as options: validated at host start, naming the option; no server needed.</summary>
[TestFixture]
public sealed class PostgreSqlStorageOptionsValidatorTests
{
    private const string ConnectionString = "Host=127.0.0.1;Port=1;Username=u;Password=p;Database=d";

    [TestCase("SchemaName")]
    [TestCase("MaxIndexedTextLength")]
    [TestCase("ConnectionString")]
    public async Task BadValueConfiguredAfterUsePostgreSqlStorage_FailsAtHostStartNamingTheOption(string option)
    {
        var services = new ServiceCollection();
        services.AddSessions().UsePostgreSqlStorage(ConnectionString);
        services.Configure<PostgreSqlStorageOptions>(o =>
        {
            // As binding from configuration would set it, after the Use call's own (valid) values.
            switch (option)
            {
                case "SchemaName": o.SchemaName = "has-dash"; break;
                case "MaxIndexedTextLength": o.MaxIndexedTextLength = 0; break;
                default: o.ConnectionString = " "; break;
            }
        });
        await using var provider = services.BuildServiceProvider();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(async () => await provider.GetRequiredService<IAsyncStartupValidator>().ValidateAsync(CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(ex.OptionsType, Is.EqualTo(typeof(PostgreSqlStorageOptions)));
            Assert.That(ex.Failures, Has.Some.StartsWith(option));
        });
    }

    [Test]
    public async Task DataSourceGiven_NoConnectionStringNeeded_OtherOptionsStillValidatedAtStart()
    {
        await using var dataSource = NpgsqlDataSource.Create(ConnectionString);
        var services = new ServiceCollection();
        services.AddSessions().UsePostgreSqlStorage(dataSource);
        services.Configure<PostgreSqlStorageOptions>(o => o.MaxIndexedTextLength = -5);
        await using var provider = services.BuildServiceProvider();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(async () => await provider.GetRequiredService<IAsyncStartupValidator>().ValidateAsync(CancellationToken.None));

        Assert.That(ex.Failures, Is.EqualTo(new[] { "MaxIndexedTextLength must be positive; it is -5." }), "no connection string asked for");
    }

    [Test]
    public void UsePostgreSqlStorage_TwiceWithOtherOptions_LastCallReplacesTheEarlierCallsSettings()
    {
        var services = new ServiceCollection();
        services.AddSessions()
            .UsePostgreSqlStorage(ConnectionString, o => o.SchemaName = "first_schema")
            .UsePostgreSqlStorage(ConnectionString.Replace("Database=d", "Database=e", StringComparison.Ordinal));
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<PostgreSqlStorageOptions>>().Value;

        Assert.Multiple(() =>
        {
            Assert.That(options.SchemaName, Is.EqualTo("sessions"));
            Assert.That(options.ConnectionString, Does.Contain("Database=e"));
        });
    }
}

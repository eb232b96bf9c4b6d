using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Sessions.Sdk.Tests;

/// <summary>Checks the registration of the PostgreSQL store; no server needed.</summary>
[TestFixture]
public sealed class PostgreSqlStorageSessionsBuilderExtensionsTests
{
    [Test]
    public void UsePostgreSqlStorage_ReplacesEarlierStorageRegistration()
    {
        var services = new ServiceCollection();
        var builder = new TestBuilder(services);
        services.AddSingleton<ISessionStorage>(_ => throw new InvalidOperationException("the earlier registration must be gone"));

        builder.UsePostgreSqlStorage("Host=127.0.0.1;Username=u;Password=p;Database=d", o => o.SchemaName = "app_sessions");

        Assert.That(services.Count(d => d.ServiceType == typeof(ISessionStorage)), Is.EqualTo(1));
        using var provider = services.BuildServiceProvider();
        var storage = provider.GetRequiredService<ISessionStorage>();
        Assert.That(storage, Is.TypeOf<PostgreSqlSessionStorage>());
        Assert.That(((PostgreSqlSessionStorage)storage).SchemaName, Is.EqualTo("app_sessions"));
        Assert.That(storage, Is.InstanceOf<ISessionSearch>());
    }

    [TestCase("")]
    [TestCase("1starts_with_digit")]
    [TestCase("has-dash")]
    [TestCase("has space")]
    [TestCase("x\"; DROP SCHEMA public; --")]
    [TestCase("a_name_that_is_far_too_long_for_a_postgresql_identifier_0123456789")]
    public void UsePostgreSqlStorage_InvalidSchemaName_ThrowsNamingTheOption(string schema)
    {
        var builder = new TestBuilder(new ServiceCollection());

        var ex = Assert.Throws<OptionsValidationException>(() => builder.UsePostgreSqlStorage("Host=h;Database=d", o => o.SchemaName = schema));

        Assert.That(ex!.Message, Does.Contain(nameof(PostgreSqlStorageOptions.SchemaName)));
    }

    [TestCase("a")]
    [TestCase("_")]
    [TestCase("_9")]
    [TestCase("Chat_Sessions_2")]
    [TestCase("a_name_that_is_exactly_sixty_three_characters_long_for_postgres")]
    public void UsePostgreSqlStorage_ValidSchemaName_IsAccepted(string schema)
    {
        var builder = new TestBuilder(new ServiceCollection());

        Assert.That(schema, Has.Length.LessThanOrEqualTo(63));
        Assert.DoesNotThrow(() => builder.UsePostgreSqlStorage("Host=h;Database=d", o => o.SchemaName = schema));
    }

    [TestCase("é")]
    [TestCase("schéma")]
    [TestCase("a\u0661")]
    public void UsePostgreSqlStorage_NonAsciiSchemaName_ThrowsNamingTheOption(string schema)
    {
        var builder = new TestBuilder(new ServiceCollection());

        var ex = Assert.Throws<OptionsValidationException>(() => builder.UsePostgreSqlStorage("Host=h;Database=d", o => o.SchemaName = schema));

        Assert.That(ex!.Message, Does.Contain(nameof(PostgreSqlStorageOptions.SchemaName)));
    }

    [Test]
    public void UsePostgreSqlStorage_OptionsWithoutConnectionString_ThrowsNamingTheOption()
    {
        var builder = new TestBuilder(new ServiceCollection());

        var ex = Assert.Throws<OptionsValidationException>(() => builder.UsePostgreSqlStorage(o => o.SchemaName = "s"));

        Assert.That(ex!.Message, Does.Contain(nameof(PostgreSqlStorageOptions.ConnectionString)));
    }

    [Test]
    public void UsePostgreSqlStorage_MalformedConnectionString_Throws()
    {
        var builder = new TestBuilder(new ServiceCollection());

        Assert.Throws<ArgumentException>(() => builder.UsePostgreSqlStorage(" "));
        var ex = Assert.Throws<OptionsValidationException>(() => builder.UsePostgreSqlStorage("NoSuchKeyword=1"));
        Assert.That(ex!.Message, Does.Contain(nameof(PostgreSqlStorageOptions.ConnectionString)));
    }

    [Test]
    public void UsePostgreSqlStorage_MaxIndexedTextLengthNotPositive_Throws()
    {
        var builder = new TestBuilder(new ServiceCollection());

        var ex = Assert.Throws<OptionsValidationException>(() => builder.UsePostgreSqlStorage("Host=h", o => o.MaxIndexedTextLength = 0));

        Assert.That(ex!.Message, Does.Contain(nameof(PostgreSqlStorageOptions.MaxIndexedTextLength)));
    }

    [Test]
    public void UsePostgreSqlStorage_NullArguments_Throw()
    {
        var builder = new TestBuilder(new ServiceCollection());

        Assert.Throws<ArgumentNullException>(() => ((ISessionsBuilder)null!).UsePostgreSqlStorage("Host=h"));
        Assert.Throws<ArgumentNullException>(() => builder.UsePostgreSqlStorage((Npgsql.NpgsqlDataSource)null!));
        Assert.Throws<ArgumentNullException>(() => builder.UsePostgreSqlStorage((Action<PostgreSqlStorageOptions>)null!));
    }

    [Test]
    public void CreateDataSource_PlainConnectionString_AutoPreparesAndSkipsTheResetOnClose()
    {
        using var dataSource = PostgreSqlSessionStorage.CreateDataSource("Host=127.0.0.1;Username=u;Password=p;Database=d", null);

        var settings = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        Assert.That(settings.NoResetOnClose, Is.True);
        Assert.That(settings.MaxAutoPrepare, Is.EqualTo(16));
    }

    [TestCase("No Reset On Close=false;Max Auto Prepare=0")]
    [TestCase("NoResetOnClose=false;MaxAutoPrepare=0")]
    public void CreateDataSource_ConnectionStringSetsResetAndPreparation_KeepsThem(string settingsText)
    {
        using var dataSource = PostgreSqlSessionStorage.CreateDataSource("Host=127.0.0.1;Username=u;Password=p;Database=d;" + settingsText, null);

        var settings = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        Assert.That(settings.NoResetOnClose, Is.False);
        Assert.That(settings.MaxAutoPrepare, Is.Zero);
    }

    private sealed class TestBuilder(IServiceCollection services) : ISessionsBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}

using Microsoft.Extensions.Time.Testing;
using Microsoft.Extensions.DependencyInjection;
using Moq;

namespace Sessions.Sdk.Tests;

/// <summary>Tests the registration of the SQLite store on the sessions builder.</summary>
[TestFixture]
public sealed class SqliteStorageSessionsBuilderExtensionsTests : SqliteDatabaseTests
{
    [Test]
    public async Task UseSqliteStorage_AfterAnotherStorage_ReplacesItWithSingletonSearchableStore()
    {
        var services = new ServiceCollection();
        var builder = services.AddSessions().UseStorage(new Mock<ISessionStorage>(MockBehavior.Strict).Object);

        var returned = builder.UseSqliteStorage(Database.ConnectionString);

        Assert.That(returned, Is.SameAs(builder));
        Assert.That(services.Count(d => d.ServiceType == typeof(ISessionStorage)), Is.EqualTo(1));
        await using var provider = services.BuildServiceProvider();
        var storage = provider.GetRequiredService<ISessionStorage>();
        Assert.That(storage, Is.InstanceOf<SqliteSessionStorage>().And.InstanceOf<ISessionSearch>());
        Assert.That(provider.GetRequiredService<ISessionStorage>(), Is.SameAs(storage));
        await storage.CreateAsync(new SessionInfo { Id = "di", CreatedAt = DateTimeOffset.UnixEpoch, UpdatedAt = DateTimeOffset.UnixEpoch }, []);
        Assert.That(File.Exists(Database.FilePath), Is.True);
    }

    [Test]
    public void UseSqliteStorage_CalledTwice_LastWins()
    {
        var services = new ServiceCollection();
        services.AddSessions().UseSqliteStorage(Database.ConnectionStringFor("first.db")).UseSqliteStorage(Database.ConnectionStringFor("second.db"));

        Assert.That(services.Count(d => d.ServiceType == typeof(ISessionStorage)), Is.EqualTo(1));
    }

    [Test]
    public async Task UseSqliteStorage_RegisteredTimeProvider_UsedForTimestamps()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddSessions().UseSqliteStorage(Database.ConnectionString);
        await using var provider = services.BuildServiceProvider();
        var storage = provider.GetRequiredService<ISessionStorage>();
        var created = await storage.CreateAsync(new SessionInfo { Id = "clock", CreatedAt = DateTimeOffset.UnixEpoch, UpdatedAt = DateTimeOffset.UnixEpoch }, []);

        var updated = await storage.UpdateAsync(created with { Title = "t" });

        Assert.That(updated.UpdatedAt, Is.EqualTo(clock.GetUtcNow()));
    }

    [Test]
    public void UseSqliteStorage_Configure_AppliesOptionsAndValidatesAtRegistration()
    {
        var services = new ServiceCollection();

        var ex = Assert.Throws<ArgumentException>(() => services.AddSessions().UseSqliteStorage(Database.ConnectionString, o => o.BusyTimeout = TimeSpan.FromSeconds(-1)));

        Assert.That(ex!.ParamName, Is.EqualTo(nameof(SqliteStorageOptions.BusyTimeout)));
    }

    [Test]
    public void UseSqliteStorage_NullArguments_Throw()
    {
        var builder = new ServiceCollection().AddSessions();

        Assert.Throws<ArgumentNullException>(() => SqliteStorageSessionsBuilderExtensions.UseSqliteStorage(null!, "Data Source=x.db"));
        Assert.Throws<ArgumentNullException>(() => builder.UseSqliteStorage((Action<SqliteStorageOptions>)null!));
        Assert.Throws<ArgumentException>(() => builder.UseSqliteStorage("  "));
    }
}

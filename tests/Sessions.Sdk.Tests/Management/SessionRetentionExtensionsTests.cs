using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Sessions.Sdk.Tests;

[TestFixture(CoreStoreKind.Memory)]
[TestFixture(CoreStoreKind.File)]
public sealed class SessionRetentionExtensionsTests(CoreStoreKind store)
{
    private static readonly SessionRetentionPolicy Policy = new() { TrashAfterIdle = TimeSpan.FromDays(30), PurgeTrashedAfter = TimeSpan.FromDays(7) };

    [Test]
    public async Task ApplyRetentionAsync_TrashesIdle_ThenPurgesAfterTheGracePeriod_LoggingEachSession()
    {
        using var host = new ManagementTestHost(store);
        var sessions = host.Sessions;
        await sessions.Create("idle").CreateAsync();
        host.Time.Advance(TimeSpan.FromDays(20));
        await sessions.Create("active").CreateAsync();
        host.Time.Advance(TimeSpan.FromDays(11));   // idle: 31 days; active: 11 days

        var dry = await sessions.ApplyRetentionAsync(Policy, dryRun: true);
        Assert.That(dry.DryRun, Is.True);
        Assert.That(dry.Trashed.Select(s => s.Id), Is.EqualTo(new[] { "idle" }));
        Assert.That(await sessions.ExistsAsync("idle"), Is.True, "A dry run changes nothing.");

        var first = await sessions.ApplyRetentionAsync(Policy);
        Assert.That(first.Trashed.Select(s => s.Id), Is.EqualTo(new[] { "idle" }));
        Assert.That(first.Purged, Is.Empty);
        Assert.That(await sessions.ExistsAsync("idle"), Is.False);
        Assert.That(await sessions.ExistsAsync("active"), Is.True);

        host.Time.Advance(TimeSpan.FromDays(6));
        Assert.That((await sessions.ApplyRetentionAsync(Policy)).Purged, Is.Empty, "Only 6 days in the trash.");

        host.Time.Advance(TimeSpan.FromDays(1));
        var third = await sessions.ApplyRetentionAsync(Policy);
        Assert.That(third.Purged.Select(t => t.Session.Id), Is.EqualTo(new[] { "idle" }));
        Assert.That(await sessions.RestoreAsync("idle"), Is.False);

        var messages = host.Logs.GetSnapshot().Select(r => r.Message).ToList();
        Assert.That(messages, Has.Some.Contains("Retention (dry run): trashing session idle"));
        Assert.That(messages, Has.Some.Contains("Retention: trashing session idle"));
        Assert.That(messages, Has.Some.Contains("Retention: purging session idle"));
    }

    [Test]
    public async Task ApplyRetentionAsync_Scope_LimitsWhatIsTrashed()
    {
        using var host = new ManagementTestHost(store);
        await host.Sessions.Create("scratch").WithTags("scratch").CreateAsync();
        await host.Sessions.Create("keep").CreateAsync();
        host.Time.Advance(TimeSpan.FromDays(2));

        var result = await host.Sessions.ApplyRetentionAsync(new SessionRetentionPolicy { TrashAfterIdle = TimeSpan.FromDays(1), Scope = new SessionQuery { Tag = "scratch" } });

        Assert.That(result.Trashed.Select(s => s.Id), Is.EqualTo(new[] { "scratch" }));
        Assert.That(await host.Sessions.ExistsAsync("keep"), Is.True);
    }

    [Test]
    public async Task ApplyRetentionAsync_InvalidPolicy_ThrowsNamingTheProblem()
    {
        using var host = new ManagementTestHost(store);

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => host.Sessions.ApplyRetentionAsync(new SessionRetentionPolicy()));
        Assert.That(ex!.ParamName, Is.EqualTo("policy"));
        Assert.That(ex.Message, Does.Contain("TrashAfterIdle, PurgeTrashedAfter or both"));
        await Assert.ThrowsAsync<ArgumentException>(() => host.Sessions.ApplyRetentionAsync(new SessionRetentionPolicy { TrashAfterIdle = TimeSpan.Zero }));
    }

    [Test]
    public async Task HostedService_RunsAtStartAndEveryInterval_OnTheInjectedClock()
    {
        using var host = new ManagementTestHost(store, b => b.AddSessionRetention(p =>
        {
            p.TrashAfterIdle = TimeSpan.FromDays(1);
            p.Interval = TimeSpan.FromHours(1);
        }));
        await host.Sessions.Create("s1").CreateAsync();
        var service = host.Provider.GetServices<IHostedService>().OfType<SessionRetentionService>().Single();

        await service.StartAsync(CancellationToken.None);
        await WaitForAsync(() => service.Runs >= 1);
        Assert.That(await host.Sessions.ExistsAsync("s1"), Is.True, "Not idle long enough at start.");

        host.Time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));   // many intervals pass; the timer fires
        await WaitForAsync(() => service.Runs >= 2);
        await WaitForAsync(async () => !await host.Sessions.ExistsAsync("s1"));
        await service.StopAsync(CancellationToken.None);

        Assert.That(await host.Sessions.ExistsAsync("s1"), Is.False);
        Assert.That(await ListTrashIdsAsync(host.Sessions), Is.EqualTo(new[] { "s1" }));
    }

    [Test]
    public void AddSessionRetention_InvalidPolicy_FailsValidationOnStart()
    {
        using var host = new ManagementTestHost(store, b => b.AddSessionRetention(p => p.Interval = TimeSpan.Zero));

        var ex = Assert.Throws<OptionsValidationException>(() => _ = host.Provider.GetRequiredService<IOptions<SessionRetentionPolicy>>().Value);
        Assert.That(ex!.Message, Does.Contain("Interval must be positive"));
    }

    [Test]
    public void AddSessions_WithoutRetention_RegistersNoHostedService()
    {
        using var host = new ManagementTestHost(store);

        Assert.That(host.Provider.GetServices<IHostedService>().OfType<SessionRetentionService>(), Is.Empty);
    }

    private static async Task<List<string>> ListTrashIdsAsync(ISessionManager sessions)
    {
        var ids = new List<string>();
        await foreach (var t in sessions.ListTrashAsync()) ids.Add(t.Session.Id);
        return ids;
    }

    private static Task WaitForAsync(Func<bool> condition) => WaitForAsync(() => Task.FromResult(condition()));

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        // Waits for the background service's work, not for time: the clock is fake. Bounded so a bug fails instead of hanging.
        for (int i = 0; i < 500 && !await condition(); i++) await Task.Delay(10);
        Assert.That(await condition(), Is.True, "The background service did not get there.");
    }
}

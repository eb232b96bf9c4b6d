using Sessions.Sdk.Testing;

namespace Sessions.Sdk.Tests;

public sealed class ManualTimeProviderTests
{
    private static readonly DateTimeOffset Start = new(2030, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Test]
    public void GetUtcNow_MovesOnlyWhenAdvanced()
    {
        var clock = new ManualTimeProvider(Start);

        Assert.That(clock.GetUtcNow(), Is.EqualTo(Start));
        Assert.That(clock.GetUtcNow(), Is.EqualTo(Start));
        clock.Advance(TimeSpan.FromSeconds(3));
        Assert.That(clock.GetUtcNow(), Is.EqualTo(Start.AddSeconds(3)));
        Assert.That(clock.GetElapsedTime(0, clock.GetTimestamp()), Is.EqualTo(TimeSpan.FromTicks(Start.AddSeconds(3).UtcTicks)));
    }

    [Test]
    public void AutoAdvanceAmount_EachReadingIsLater()
    {
        var clock = new ManualTimeProvider(Start) { AutoAdvanceAmount = TimeSpan.FromMilliseconds(1) };

        var first = clock.GetUtcNow();
        var second = clock.GetUtcNow();

        Assert.That(first, Is.EqualTo(Start));
        Assert.That(second, Is.EqualTo(Start.AddMilliseconds(1)));
    }

    [Test]
    public void SetUtcNow_Backwards_Throws()
    {
        var clock = new ManualTimeProvider(Start);

        Assert.That(() => clock.SetUtcNow(Start.AddTicks(-1)), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("value"));
        Assert.That(() => clock.Advance(TimeSpan.FromTicks(-1)), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public async Task Delay_CompletesWhenClockReachesDueTime()
    {
        var clock = new ManualTimeProvider(Start);

        var delay = Task.Delay(TimeSpan.FromSeconds(10), clock);
        clock.Advance(TimeSpan.FromSeconds(9.9));
        Assert.That(delay.IsCompleted, Is.False);
        clock.Advance(TimeSpan.FromSeconds(0.1));

        await delay.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.That(delay.IsCompletedSuccessfully, Is.True);
    }

    [Test]
    public void PeriodicTimer_FiresOncePerPeriodInOrder()
    {
        var clock = new ManualTimeProvider(Start);
        var fired = new List<DateTimeOffset>();
        using var timer = clock.CreateTimer(_ => fired.Add(clock.GetUtcNow()), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));

        clock.Advance(TimeSpan.FromSeconds(6));

        Assert.That(fired, Is.EqualTo(new[] { Start.AddSeconds(1), Start.AddSeconds(3), Start.AddSeconds(5) }));
        Assert.That(clock.GetUtcNow(), Is.EqualTo(Start.AddSeconds(6)));
    }

    [Test]
    public void Timer_ChangeAndDispose_StopFiring()
    {
        var clock = new ManualTimeProvider(Start);
        int count = 0;
        var timer = clock.CreateTimer(_ => count++, null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);

        Assert.That(timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan), Is.True);
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.That(count, Is.Zero);

        timer.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        timer.Dispose();
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.That(count, Is.Zero);
        Assert.That(timer.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan), Is.False);
    }

    [Test]
    public void Timer_ZeroDueTime_FiresImmediately()
    {
        var clock = new ManualTimeProvider(Start);
        int count = 0;

        using var timer = clock.CreateTimer(_ => count++, null, TimeSpan.Zero, Timeout.InfiniteTimeSpan);

        Assert.That(count, Is.EqualTo(1));
    }

    [Test]
    public void Timers_WithDifferentDueTimes_FireInDueOrder()
    {
        var clock = new ManualTimeProvider(Start);
        var order = new List<string>();
        using var late = clock.CreateTimer(_ => order.Add("late"), null, TimeSpan.FromSeconds(3), Timeout.InfiniteTimeSpan);
        using var early = clock.CreateTimer(_ => order.Add("early"), null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);

        clock.Advance(TimeSpan.FromSeconds(10));

        Assert.That(order, Is.EqualTo(new[] { "early", "late" }));
    }

    [Test]
    public void LocalTimeZone_IsUtc()
    {
        Assert.That(new ManualTimeProvider().LocalTimeZone, Is.EqualTo(TimeZoneInfo.Utc));
    }
}

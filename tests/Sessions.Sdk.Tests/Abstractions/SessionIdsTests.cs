namespace Sessions.Sdk.Tests;

public sealed class SessionIdsTests
{
    public static IEnumerable<string> HostileIds() =>
    [
        "", " ", "   ", "\t", "..", ".", "../x", "..\\x", "a/../b", "/etc/passwd", "C:\\Windows", "\\\\server\\share",
        "a/b", "a\\b", "con", "CON", "nul", "nul.txt", "prn", "aux", "com1", "lpt9", "clock$",
        new string('a', 129), "a\0b", "a\nb", "a\rb", "\u0001", "a b", "\u0430dmin" /* Cyrillic a */, "ｆｕｌｌ",
        "a\u200Bb", "a:b", "a*b", "a?b", "a|b", "a<b>", "a\"b", ".hidden", "-dash", "trailing.", "a..b", "é",
    ];

    [TestCaseSource(nameof(HostileIds))]
    public void Validate_HostileId_ThrowsArgumentExceptionNamingParameter(string id)
    {
        var ex = Assert.Throws<ArgumentException>(() => SessionIds.Validate(id, "sessionId"));
        Assert.That(ex!.ParamName, Is.EqualTo("sessionId"));
        Assert.That(SessionIds.IsValid(id), Is.False);
    }

    [Test]
    public void Validate_Null_ThrowsArgumentNullException()
    {
        var ex = Assert.Throws<ArgumentNullException>(() => SessionIds.Validate(null, "id"));
        Assert.That(ex!.ParamName, Is.EqualTo("id"));
    }

    [TestCase("support-1234")]
    [TestCase("a")]
    [TestCase("A_b.c-9")]
    [TestCase("console")]
    [TestCase("s0999")]
    public void Validate_GoodId_DoesNotThrow(string id)
    {
        Assert.That(() => SessionIds.Validate(id), Throws.Nothing);
        Assert.That(SessionIds.IsValid(id), Is.True);
    }

    [Test]
    public void Create_IsValidAndSortsByTime()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var first = SessionIds.Create(clock);
        clock.Now = clock.Now.AddMilliseconds(1);
        var second = SessionIds.Create(clock);
        clock.Now = clock.Now.AddYears(3);
        var third = SessionIds.Create(clock);

        Assert.That(SessionIds.IsValid(first), Is.True);
        Assert.That(first, Has.Length.EqualTo(26));
        Assert.That(string.CompareOrdinal(first, second), Is.LessThan(0));
        Assert.That(string.CompareOrdinal(second, third), Is.LessThan(0));
        Assert.That(SessionIds.Create(clock), Is.Not.EqualTo(third));
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}

namespace Sessions.Sdk.Tests;

public sealed class MessageRangeTests
{
    [TestCase(0, null, false, 10, 0, 10)]
    [TestCase(0, 3, false, 10, 0, 3)]
    [TestCase(0, 3, true, 10, 7, 3)]
    [TestCase(2, 3, false, 10, 2, 3)]
    [TestCase(2, 3, true, 10, 5, 3)]
    [TestCase(8, 5, false, 10, 8, 2)]
    [TestCase(12, 5, false, 10, 10, 0)]
    [TestCase(12, 5, true, 10, 0, 0)]
    [TestCase(0, 20, true, 5, 0, 5)]
    [TestCase(0, null, true, 0, 0, 0)]
    public void Resolve_ReturnsStartAndLength(int skip, int? take, bool fromEnd, long count, long start, long length)
    {
        var (s, l) = new MessageRange(skip, take, fromEnd).Resolve(count);

        Assert.That((s, l), Is.EqualTo((start, length)));
    }

    [Test]
    public void Ctor_Negative_ThrowsArgumentOutOfRange()
    {
        Assert.That(() => new MessageRange(-1, null), Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("skip"));
        Assert.That(() => new MessageRange(0, -1), Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("take"));
    }

    [Test]
    public void Factories_DescribeTheirRanges()
    {
        Assert.That(MessageRange.Last(20), Is.EqualTo(new MessageRange(0, 20, fromEnd: true)));
        Assert.That(MessageRange.First(5), Is.EqualTo(new MessageRange(0, 5)));
        Assert.That(MessageRange.Slice(3, 4), Is.EqualTo(new MessageRange(3, 4)));
        Assert.That(MessageRange.All.Resolve(9), Is.EqualTo((0L, 9L)));
    }
}

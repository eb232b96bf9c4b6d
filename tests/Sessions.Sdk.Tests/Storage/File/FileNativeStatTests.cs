namespace Sessions.Sdk.Tests;

/// <summary>The native stat the file store's listing uses must give exactly what <see cref="FileInfo"/> gives, since the listing
/// catalog compares the two.</summary>
[TestFixture]
public sealed class FileNativeStatTests
{
    private string _directory = null!;

    [SetUp]
    public void SetUp() => _directory = Directory.CreateTempSubdirectory("sessions-native-stat-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_directory, recursive: true);

    [Test]
    public void TryStatLengthAndTime_GivesFileInfosLengthAndLastWriteTicks_ToTheTick()
    {
        if (!FileNative.IsAvailable) Assert.Ignore("The native calls are available on Linux only.");
        string path = Path.Combine(_directory, "journal.jsonl");
        File.WriteAllText(path, "{\"a\":1}\n{\"b\":2}\n");

        // A time with sub-second ticks: a conversion that drops or rounds the nanoseconds would differ.
        File.SetLastWriteTimeUtc(path, new DateTime(2025, 3, 4, 5, 6, 7, DateTimeKind.Utc).AddTicks(1_234_567));
        var file = new FileInfo(path);

        int error = FileNative.TryStatLengthAndTime(FileNative.ToNativePath(path), out long length, out long ticks);

        Assert.Multiple(() =>
        {
            Assert.That(error, Is.Zero);
            Assert.That(length, Is.EqualTo(file.Length));
            Assert.That(ticks, Is.EqualTo(file.LastWriteTimeUtc.Ticks));
            Assert.That(ticks % TimeSpan.TicksPerSecond, Is.EqualTo(1_234_567));
        });
    }

    [Test]
    public void TryStatLengthAndTime_MissingFile_ReturnsNoSuchFile()
    {
        if (!FileNative.IsAvailable) Assert.Ignore("The native calls are available on Linux only.");

        int error = FileNative.TryStatLengthAndTime(FileNative.ToNativePath(Path.Combine(_directory, "missing.jsonl")), out long length, out _);

        Assert.Multiple(() =>
        {
            Assert.That(error, Is.EqualTo(FileNative.NoSuchFile));
            Assert.That(length, Is.Zero);
        });
    }
}

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
    public void TryStat_GivesFileInfosLengthAndLastWriteTicks_ToTheTick()
    {
        if (!FileNative.IsAvailable) Assert.Ignore("The native calls are available on Linux only.");
        string path = Path.Combine(_directory, "journal.jsonl");
        File.WriteAllText(path, "{\"a\":1}\n{\"b\":2}\n");

        // A time with sub-second ticks: a conversion that drops or rounds the nanoseconds would differ.
        File.SetLastWriteTimeUtc(path, new DateTime(2025, 3, 4, 5, 6, 7, DateTimeKind.Utc).AddTicks(1_234_567));
        var file = new FileInfo(path);

        int error = FileNative.TryStat(FileNative.ToNativePath(path), out var identity);

        Assert.Multiple(() =>
        {
            Assert.That(error, Is.Zero);
            Assert.That(identity.Length, Is.EqualTo(file.Length));
            Assert.That(identity.LastWriteTicks, Is.EqualTo(file.LastWriteTimeUtc.Ticks));
            Assert.That(identity.LastWriteTicks % TimeSpan.TicksPerSecond, Is.EqualTo(1_234_567));
        });
    }

    [Test]
    public void TryStat_MissingFile_ReturnsNoSuchFile()
    {
        if (!FileNative.IsAvailable) Assert.Ignore("The native calls are available on Linux only.");

        int error = FileNative.TryStat(FileNative.ToNativePath(Path.Combine(_directory, "missing.jsonl")), out var identity);

        Assert.Multiple(() =>
        {
            Assert.That(error, Is.EqualTo(FileNative.NoSuchFile));
            Assert.That(identity, Is.EqualTo(default(FileIdentity)));
        });
    }
}

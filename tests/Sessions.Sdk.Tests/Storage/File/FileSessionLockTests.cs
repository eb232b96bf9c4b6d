namespace Sessions.Sdk.Tests;

/// <summary>
/// A lock stripe's cross-process lock: two stripes on one lock file (as two store instances or two processes have) exclude each
/// other on the native path, the managed path and across the two, and a lock file deleted behind a stripe that keeps it open is
/// not trusted. The in-process gate is the caller's; these tests take only the file lock.
/// </summary>
[TestFixture]
public sealed class FileSessionLockTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(150);
    private string _directory = null!;
    private string _path = null!;
    private readonly List<FileSessionLock> _locks = [];

    [SetUp]
    public void SetUp()
    {
        _directory = Path.Combine(Path.GetTempPath(), "sessions-file-lock-" + Guid.NewGuid().ToString("N"), ".locks");
        _path = FileSessionLock.PathFor(_directory, "session");
    }

    [TearDown]
    public void TearDown()
    {
        foreach (var stripe in _locks) stripe.Dispose();
        _locks.Clear();
        try { Directory.Delete(Path.GetDirectoryName(_directory)!, recursive: true); } catch (IOException) { }
    }

    [TestCase(true, true)]
    [TestCase(true, false)]
    [TestCase(false, true)]
    [TestCase(false, false)]
    public void Acquire_HeldByAnotherStripeOnTheSameFile_TimesOutUntilReleased(bool firstNative, bool secondNative)
    {
        var first = NewLock(firstNative);
        var second = NewLock(secondNative);
        var held = first.Acquire(Short);

        var timedOut = Assert.Throws<SessionStorageException>(() => second.Acquire(Short));
        Assert.That(timedOut!.Message, Does.Contain(_path).And.Contain("LockTimeout"));

        first.Release(held);
        var taken = second.Acquire(Short);
        Assert.Throws<SessionStorageException>(() => first.Acquire(Short), "and the other way round");
        second.Release(taken);
        first.Release(first.Acquire(Short));
    }

    [Test]
    public void Acquire_Native_KeepsTheLockFileOpenAndReusesIt()
    {
        Assume.That(FileNative.IsAvailable, "the native path exists on Linux only");
        var stripe = NewLock(native: true);
        for (int i = 0; i < 3; i++)
        {
            var held = stripe.Acquire(Short);
            Assert.That(held, Is.Null, "the native path returns no per-operation handle");
            stripe.Release(held);
        }

        Assert.That(File.Exists(_path), Is.True);
        Assert.That(NewLock(native: false).Acquire(Short), Is.Not.Null.And.Property("IsInvalid").False, "released: a managed open with FileShare.None succeeds");
    }

    [Test]
    public void Acquire_LockFileDeletedWhileKeptOpen_TakesTheLockOnTheFileNowAtThePath()
    {
        Assume.That(FileNative.IsAvailable, "the native path exists on Linux only");
        var kept = NewLock(native: true);
        kept.Release(kept.Acquire(Short));

        // Someone deletes the lock directory; another writer creates the file anew and holds it.
        Directory.Delete(_directory, recursive: true);
        var other = NewLock(native: false);
        var held = other.Acquire(Short);

        Assert.Throws<SessionStorageException>(() => kept.Acquire(Short), "a lock on the deleted file would exclude nobody");
        other.Release(held);
        kept.Release(kept.Acquire(Short));
    }

    [Test]
    public async Task AcquireAsync_Cancelled_ThrowsOperationCanceledWhileHeldElsewhere()
    {
        var first = NewLock(native: true);
        var second = NewLock(native: true);
        var held = first.Acquire(Short);
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        Assert.That(async () => await second.AcquireAsync(TimeSpan.FromSeconds(30), cancellation.Token), Throws.InstanceOf<OperationCanceledException>());

        first.Release(held);
        second.Release(await second.AcquireAsync(Short, CancellationToken.None));
    }

    [Test]
    public void Dispose_ReleasesAHeldLock()
    {
        var first = NewLock(native: true);
        var second = NewLock(native: true);
        _ = first.Acquire(Short);

        first.Dispose();

        second.Release(second.Acquire(Short));
    }

    [Test]
    public void StripeFor_SpreadsIdsOverEveryStripeAndPathForNamesIt()
    {
        var stripes = Enumerable.Range(0, 5000).Select(i => FileSessionLock.StripeFor("s" + i)).ToHashSet();
        Assert.That(stripes, Has.Count.EqualTo(FileSessionLock.Stripes));
        Assert.That(Path.GetFileName(FileSessionLock.PathFor(_directory, "s1")), Is.EqualTo(FileSessionLock.StripeFor("s1").ToString("x2", System.Globalization.CultureInfo.InvariantCulture) + ".lock"));
    }

    private FileSessionLock NewLock(bool native)
    {
        var stripe = new FileSessionLock(FileSessionLock.StripeFor("session"), _path, native);
        _locks.Add(stripe);
        return stripe;
    }
}

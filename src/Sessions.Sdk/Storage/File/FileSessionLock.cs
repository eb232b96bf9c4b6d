using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Win32.SafeHandles;

namespace Sessions.Sdk;

/// <summary>One lock stripe of a store: an in-process gate and a cross-process lock on a file in <c>.locks/</c>, one of a fixed set.</summary>
/// <remarks>
/// The cross-process lock is an exclusive <c>flock</c> on the stripe's lock file; the operating system releases it when the
/// process dies, so a killed writer never leaves a session locked. On Linux the lock file stays open and is locked and unlocked
/// with two system calls per operation; after taking the lock the path is checked to still name the locked file, so a lock
/// directory deleted or replaced behind the store's back is noticed and the file reopened. Elsewhere the file is opened with
/// <see cref="FileShare.None"/> for every operation (an exclusive share lock on Windows, the same <c>flock</c> on Unix, so the
/// two paths exclude each other). Lock files are never deleted (deleting a lock file while it is held would let two writers in),
/// so their number is fixed. The in-process gate comes first: <c>flock</c> excludes other open files, not other threads
/// sharing this one. Thread-safe.
/// </remarks>
internal sealed class FileSessionLock : IDisposable
{
    /// <summary>The number of lock files; sessions that share one serialize against each other.</summary>
    public const int Stripes = 128;

    private readonly string _path;
    private readonly bool _native;
    private byte[]? _nativePath;

    // The open lock file of the native path and which file it is; used only while the gate is held.
    private SafeFileHandle? _handle;
    private FileIdentity _identity;
    private bool _disposed;

    private readonly ILogger _logger;

    public FileSessionLock(int index, string path, bool native, ILogger? logger = null)
    {
        Index = index;
        _path = path;
        _native = native;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Gets which of the <see cref="Stripes"/> this is.</summary>
    public int Index { get; }

    /// <summary>Gets the in-process gate; held for the whole operation, with the file lock taken inside it.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    public string Path => _path;

    public static string PathFor(string lockDirectory, string sessionId) =>
        System.IO.Path.Combine(lockDirectory, StripeFor(sessionId).ToString("x2", System.Globalization.CultureInfo.InvariantCulture) + ".lock");

    public static int StripeFor(string sessionId)
    {
        uint hash = 2166136261;
        foreach (char c in sessionId) hash = unchecked((hash ^ c) * 16777619);
        return (int)(hash % Stripes);
    }

    /// <summary>Takes the cross-process lock; the caller holds <see cref="Gate"/>.</summary>
    /// <returns>The handle to dispose to release it on the managed path; <see langword="null"/> on the native path (release with <see cref="Release"/>).</returns>
    /// <exception cref="SessionStorageException">Another process held the lock longer than <paramref name="timeout"/>.</exception>
    public async ValueTask<SafeFileHandle?> AcquireAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        for (int attempt = 0; ; attempt++)
        {
            if (TryAcquire(out var handle)) return handle;
            cancellationToken.ThrowIfCancellationRequested();
            ThrowIfTimedOut(started, timeout);
            if (attempt < 20)
            {
                Thread.Yield();
            }
            else
            {
                await Task.Delay(1, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Takes the cross-process lock, blocking; the caller holds <see cref="Gate"/>.</summary>
    /// <returns>As <see cref="AcquireAsync(TimeSpan, CancellationToken)"/>.</returns>
    /// <exception cref="SessionStorageException">Another process held the lock longer than <paramref name="timeout"/>.</exception>
    public SafeFileHandle? Acquire(TimeSpan timeout)
    {
        long started = Stopwatch.GetTimestamp();
        for (int attempt = 0; ; attempt++)
        {
            if (TryAcquire(out var handle)) return handle;
            ThrowIfTimedOut(started, timeout);
            if (attempt < 20) Thread.Yield();
            else Thread.Sleep(1);
        }
    }

    /// <summary>Releases the cross-process lock taken by <see cref="AcquireAsync(TimeSpan, CancellationToken)"/> or <see cref="Acquire(TimeSpan)"/>.</summary>
    public void Release(SafeFileHandle? managed)
    {
        if (managed is not null)
        {
            managed.Dispose();
            return;
        }

        if (_handle is { } handle && !FileNative.TryUnlock(handle))
        {
            // Closing the file releases its flock too.
            CloseNative();
        }
    }

    /// <summary>Closes the lock file kept open, if any; the caller holds <see cref="Gate"/> or no operation can be running.</summary>
    public void Dispose()
    {
        _disposed = true;
        CloseNative();
    }

    private bool TryAcquire(out SafeFileHandle? managed)
    {
        managed = null;
        if (_native && FileNative.IsAvailable && !_disposed)
        {
            switch (TryAcquireNative())
            {
                case true: return true;
                case false: return false;
                case null: break; // the native calls failed for another reason: the managed path decides
            }
        }

        managed = TryOpenExclusive(_path);
        return managed is not null;
    }

    /// <returns>Taken, held by another process, or <see langword="null"/> when the native path cannot tell.</returns>
    private bool? TryAcquireNative()
    {
        _nativePath ??= FileNative.ToNativePath(_path);
        for (int reopened = 0; reopened < 3; reopened++)
        {
            if (_handle is null)
            {
                var handle = FileNative.TryOpenLockFile(_nativePath, out int openError);
                if (handle is null)
                {
                    if (openError is FileNative.NoSuchFile or FileNative.NotADirectory)
                    {
                        CreateLockDirectory(_path, _logger);
                        continue;
                    }

                    return null;
                }

                if (FileNative.TryStat(handle, out _identity) != 0)
                {
                    handle.Dispose();
                    return null;
                }

                _handle = handle;
            }

            int error = FileNative.TryLockExclusive(_handle);
            if (error == FileNative.WouldBlock) return false;
            if (error != 0) return null;

            // Locked: but a lock on a file no longer at the path excludes nobody who opens the path now.
            if (FileNative.TryStat(_nativePath, out var current) == 0 && current.IsSameFile(_identity)) return true;
            CloseNative();
        }

        return null;
    }

    private void CloseNative()
    {
        _handle?.Dispose();
        _handle = null;
    }

    private SafeFileHandle? TryOpenExclusive(string path)
    {
        try
        {
            return File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException) when (!Directory.Exists(System.IO.Path.GetDirectoryName(path)))
        {
            // The lock folder was removed, or something else (a file, a link) took its place.
            CreateLockDirectory(path, _logger);
            return null;
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (IOException)
        {
            // Held by another process (or another handle of this one): a sharing violation or EWOULDBLOCK.
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            // Windows reports a file being opened exclusively by another process this way in some states.
            return null;
        }
    }

    /// <summary>
    /// Recreates the lock folder someone deleted or replaced (see <see cref="FileWorkingFolder"/>); racing another deletion or
    /// creation is not an error (the caller retries).
    /// </summary>
    private static void CreateLockDirectory(string lockPath, ILogger logger)
    {
        try
        {
            FileWorkingFolder.Ensure(System.IO.Path.GetDirectoryName(lockPath)!, logger);
        }
        catch (IOException)
        {
        }
    }

    private void ThrowIfTimedOut(long started, TimeSpan timeout)
    {
        if (Stopwatch.GetElapsedTime(started) > timeout)
        {
            throw new SessionStorageException($"Timed out after {timeout.TotalSeconds:0.#} s waiting for the session lock '{_path}'; another process holds it. Increase FileStorageOptions.LockTimeout if writers hold it that long.");
        }
    }
}

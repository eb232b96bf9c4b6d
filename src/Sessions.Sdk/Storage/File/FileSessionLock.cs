using System.Diagnostics;
using Microsoft.Win32.SafeHandles;

namespace Sessions.Sdk;

/// <summary>A cross-process lock on a session: an exclusively opened lock file in <c>.locks/</c>, one of a fixed set of stripes.</summary>
/// <remarks>
/// Opening with <see cref="FileShare.None"/> takes an exclusive share lock on Windows and an exclusive <c>flock</c> on Unix; the
/// operating system releases it when the process dies, so a killed writer never leaves a session locked. Lock files are never
/// deleted (deleting a lock file while it is held would let two writers in), so their number is fixed.
/// </remarks>
internal static class FileSessionLock
{
    /// <summary>The number of lock files; sessions that share one serialize against each other.</summary>
    public const int Stripes = 128;

    public static string PathFor(string lockDirectory, string sessionId)
    {
        uint hash = 2166136261;
        foreach (char c in sessionId) hash = unchecked((hash ^ c) * 16777619);
        return Path.Combine(lockDirectory, (hash % Stripes).ToString("x2", System.Globalization.CultureInfo.InvariantCulture) + ".lock");
    }

    public static async ValueTask<SafeFileHandle> AcquireAsync(string path, TimeSpan timeout, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        for (int attempt = 0; ; attempt++)
        {
            if (TryAcquire(path) is { } handle) return handle;
            cancellationToken.ThrowIfCancellationRequested();
            ThrowIfTimedOut(path, started, timeout);
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

    public static SafeFileHandle Acquire(string path, TimeSpan timeout)
    {
        long started = Stopwatch.GetTimestamp();
        for (int attempt = 0; ; attempt++)
        {
            if (TryAcquire(path) is { } handle) return handle;
            ThrowIfTimedOut(path, started, timeout);
            if (attempt < 20) Thread.Yield();
            else Thread.Sleep(1);
        }
    }

    private static SafeFileHandle? TryAcquire(string path)
    {
        try
        {
            return File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (DirectoryNotFoundException)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
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

    private static void ThrowIfTimedOut(string path, long started, TimeSpan timeout)
    {
        if (Stopwatch.GetElapsedTime(started) > timeout)
        {
            throw new SessionStorageException($"Timed out after {timeout.TotalSeconds:0.#} s waiting for the session lock '{path}'; another process holds it. Increase FileStorageOptions.LockTimeout if writers hold it that long.");
        }
    }
}

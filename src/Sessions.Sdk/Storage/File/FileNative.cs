using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Sessions.Sdk;

/// <summary>Linux system calls the file store uses directly where .NET's file API costs several calls for one: reading small
/// files, taking <c>flock</c> on lock files kept open, and asking which inode a path names.</summary>
/// <remarks>
/// .NET's <see cref="File.OpenHandle"/> also runs fstat and takes and releases an advisory flock on every open; listing reads
/// one small metadata document per session, and appends would reopen the journal and the lock file, where those calls
/// dominate. Elsewhere, or when libc cannot be bound, <see cref="IsAvailable"/> is false and callers use the managed API.
/// <c>statx</c> is used rather than <c>stat</c> because its structure has one layout on every architecture.
/// </remarks>
internal static class FileNative
{
    /// <summary>The <c>errno</c> of a missing file or directory (ENOENT).</summary>
    public const int NoSuchFile = 2;

    /// <summary>The <c>errno</c> of a path whose folder part is not a folder (ENOTDIR).</summary>
    public const int NotADirectory = 20;

    /// <summary>The <c>errno</c> of a lock held by another open file description (EWOULDBLOCK, EAGAIN on Linux).</summary>
    public const int WouldBlock = 11;

    private const int ReadOnlyCloseOnExec = 0x80000 | 0x20000 | 0x800; // O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK on Linux
    private const int SymbolicLinkLoop = 40; // ELOOP: O_NOFOLLOW met a symbolic link
    private const int AtSymlinkNoFollow = 0x100; // AT_SYMLINK_NOFOLLOW
    private const int ReadWriteCreateCloseOnExec = 0x80000 | 0x40 | 0x2; // O_CLOEXEC | O_CREAT | O_RDWR
    private const int CreateMode = 0x1B6; // 0666, less the umask, as .NET creates files
    private const int Interrupted = 4; // EINTR
    private const int AtCurrentDirectory = -100; // AT_FDCWD
    private const int AtEmptyPath = 0x1000; // AT_EMPTY_PATH
    private const uint StatxBasicStats = 0x7ff; // STATX_BASIC_STATS (includes STATX_INO and STATX_SIZE)
    private const int LockExclusiveNonBlocking = 2 | 4; // LOCK_EX | LOCK_NB
    private const int Unlock = 8; // LOCK_UN
    private const int OfdSetLock = 37; // F_OFD_SETLK
    private const short WriteLock = 1; // F_WRLCK
    private const short UnlockRecord = 2; // F_UNLCK
    private const int AccessDenied = 13; // EACCES: some systems report a conflicting record lock this way
    private static readonly byte[] EmptyPath = [0];
    private static volatile bool s_available = OperatingSystem.IsLinux();

    /// <summary>Gets a value indicating whether the native calls can be used on this platform.</summary>
    public static bool IsAvailable => s_available;

    /// <summary>Encodes a path for the native calls: UTF-8, NUL-terminated (computed once per path by callers that repeat it).</summary>
    public static byte[] ToNativePath(string path)
    {
        byte[] utf8Path = new byte[System.Text.Encoding.UTF8.GetByteCount(path) + 1];
        System.Text.Encoding.UTF8.GetBytes(path, utf8Path);
        return utf8Path;
    }

    /// <summary>The file type bits of <c>stx_mode</c> (S_IFMT) and the regular-file type (S_IFREG).</summary>
    public const int TypeMask = 0xF000;

    /// <summary>The type of a regular file in <c>stx_mode</c>.</summary>
    public const int RegularFile = 0x8000;

    /// <summary>The type of a directory in <c>stx_mode</c>.</summary>
    public const int DirectoryType = 0x4000;

    /// <summary>The type of a symbolic link in <c>stx_mode</c>.</summary>
    public const int SymbolicLink = 0xA000;

    /// <summary>Asks the type of what a path names, without following a symbolic link.</summary>
    /// <returns>0 and the <c>stx_mode</c>, or the <c>errno</c>; -1 when the native call is not available.</returns>
    public static int TryLinkMode(byte[] nativePath, out int mode)
    {
        mode = 0;
        if (!s_available) return -1;
        try
        {
            if (Statx(AtCurrentDirectory, nativePath, AtSymlinkNoFollow, StatxBasicStats, out var buffer) != 0) return Marshal.GetLastPInvokeError();
            mode = buffer.Mode;
            return 0;
        }
        catch (Exception ex) when (IsBindingFailure(ex))
        {
            s_available = false;
            return -1;
        }
    }

    /// <summary>Reads a whole small file, never following a symbolic link and never waiting on a FIFO.</summary>
    /// <returns><see langword="true"/> when the native path ran; <paramref name="content"/> is <see langword="null"/> when the file does not exist.</returns>
    /// <exception cref="IOException">The path names a symbolic link or something other than a regular file (<see cref="NotRegularFileException"/>).</exception>
    public static bool TryReadSmallFile(string path, out ReadOnlyMemory<byte>? content)
    {
        content = null;
        if (!s_available) return false;
        try
        {
            // A NUL-terminated UTF-8 path, passed as bytes so no string marshalling is involved.
            int fd = Open(ToNativePath(path), ReadOnlyCloseOnExec);
            if (fd < 0)
            {
                int error = Marshal.GetLastPInvokeError();
                if (error == NoSuchFile) return true;
                if (error == SymbolicLinkLoop) throw new NotRegularFileException(path, "a symbolic link");
                return false;
            }

            try
            {
                using (var probe = new SafeFileHandle(fd, ownsHandle: false))
                {
                    if (Statx(probe, EmptyPath, AtEmptyPath, StatxBasicStats, out var stat) == 0 && (stat.Mode & TypeMask) != RegularFile)
                    {
                        throw new NotRegularFileException(path, Describe(stat.Mode));
                    }
                }

                byte[] buffer = new byte[4096];
                int filled = 0;
                while (true)
                {
                    nint n = PRead(fd, buffer, filled, buffer.Length - filled, filled);
                    if (n < 0) return false;
                    filled += (int)n;
                    if (n == 0 || filled < buffer.Length)
                    {
                        content = buffer.AsMemory(0, filled);
                        return true;
                    }

                    Array.Resize(ref buffer, buffer.Length * 2);
                }
            }
            finally
            {
                _ = Close(fd);
            }
        }
        catch (Exception ex) when (IsBindingFailure(ex))
        {
            s_available = false;
            return false;
        }
    }

    /// <summary>Asks which file a path names (following symbolic links, as opening it would).</summary>
    /// <returns>0 and the file's identity, or the <c>errno</c> (such as <see cref="NoSuchFile"/>); -1 when the native call is not available.</returns>
    public static int TryStat(byte[] nativePath, out FileIdentity identity)
    {
        identity = default;
        if (!s_available) return -1;
        try
        {
            if (Statx(AtCurrentDirectory, nativePath, 0, StatxBasicStats, out var buffer) != 0) return Marshal.GetLastPInvokeError();
            identity = buffer.ToIdentity();
            return 0;
        }
        catch (Exception ex) when (IsBindingFailure(ex))
        {
            s_available = false;
            return -1;
        }
    }

    /// <summary>
    /// Moves what is at <paramref name="path"/> to <paramref name="target"/> when it is not a directory (a file, a symbolic link, a
    /// pipe): <c>link(2)</c>, which never follows a link and refuses a directory, then <c>unlink(2)</c> of the old name only while it
    /// still names the same thing. A real directory put there by someone else meanwhile is therefore never moved.
    /// </summary>
    /// <returns>0 when moved; the <c>errno</c> otherwise (EPERM for a directory, <see cref="NoSuchFile"/> when nothing is there);
    /// -1 when the native calls are not available.</returns>
    public static int TryMoveNonDirectory(string path, string target)
    {
        if (!s_available) return -1;
        try
        {
            byte[] from = ToNativePath(path), to = ToNativePath(target);
            if (LinkAt(AtCurrentDirectory, from, AtCurrentDirectory, to, 0) != 0) return Marshal.GetLastPInvokeError();
            if (Statx(AtCurrentDirectory, from, AtSymlinkNoFollow, StatxBasicStats, out var old) == 0
                && Statx(AtCurrentDirectory, to, AtSymlinkNoFollow, StatxBasicStats, out var moved) == 0
                && old.ToIdentity().IsSameFile(moved.ToIdentity()))
            {
                _ = Unlink(from);
            }

            return 0;
        }
        catch (Exception ex) when (IsBindingFailure(ex))
        {
            s_available = false;
            return -1;
        }
    }

    /// <summary>Asks which file an open handle refers to.</summary>
    /// <returns>0 and the file's identity, or the <c>errno</c>; -1 when the native call is not available.</returns>
    public static int TryStat(SafeFileHandle handle, out FileIdentity identity)
    {
        identity = default;
        if (!s_available) return -1;
        try
        {
            if (Statx(handle, EmptyPath, AtEmptyPath, StatxBasicStats, out var buffer) != 0) return Marshal.GetLastPInvokeError();
            identity = buffer.ToIdentity();
            return 0;
        }
        catch (Exception ex) when (IsBindingFailure(ex))
        {
            s_available = false;
            return -1;
        }
    }

    /// <summary>Opens (creating it when missing) a lock file without taking any lock on it, unlike <see cref="File.OpenHandle"/>.</summary>
    /// <returns>The handle, or <see langword="null"/> with the <c>errno</c> (-1 when the native call is not available).</returns>
    public static SafeFileHandle? TryOpenLockFile(byte[] nativePath, out int error)
    {
        error = -1;
        if (!s_available) return null;
        try
        {
            int fd = Open(nativePath, ReadWriteCreateCloseOnExec, CreateMode);
            if (fd < 0)
            {
                error = Marshal.GetLastPInvokeError();
                return null;
            }

            error = 0;
            return new SafeFileHandle(fd, ownsHandle: true);
        }
        catch (Exception ex) when (IsBindingFailure(ex))
        {
            s_available = false;
            return null;
        }
    }

    /// <summary>Tries to take an exclusive <c>flock</c> on an open file without waiting.</summary>
    /// <returns>0 when taken, <see cref="WouldBlock"/> when another open file description holds it, otherwise the <c>errno</c>.</returns>
    public static int TryLockExclusive(SafeFileHandle handle)
    {
        while (true)
        {
            if (Flock(handle, LockExclusiveNonBlocking) == 0) return 0;
            int error = Marshal.GetLastPInvokeError();
            if (error != Interrupted) return error;
        }
    }

    /// <summary>Releases a <c>flock</c> taken with <see cref="TryLockExclusive(SafeFileHandle)"/>.</summary>
    /// <returns>Whether it was released; when not, the caller closes the handle, which releases it too.</returns>
    public static bool TryUnlock(SafeFileHandle handle)
    {
        while (true)
        {
            if (Flock(handle, Unlock) == 0) return true;
            if (Marshal.GetLastPInvokeError() != Interrupted) return false;
        }
    }

    /// <summary>Tries to take an exclusive open-file-description lock (<c>F_OFD_SETLK</c>, whole file) on an open file without waiting.</summary>
    /// <remarks>
    /// Unlike <c>flock</c>, which .NET itself takes (shared) on every file it opens, OFD record locks are a separate mechanism on
    /// Linux, so this lock excludes only other holders of it, never a reader opening the file. Like <c>flock</c> it belongs to the
    /// open file description: two handles (two store instances, two processes) exclude each other, and closing the handle, or the
    /// process dying, releases it. The handle must be open for writing.
    /// </remarks>
    /// <returns>0 when taken, <see cref="WouldBlock"/> when another open file description holds it, otherwise the <c>errno</c> (-1 when the native call is not available).</returns>
    public static int TryLockRecordExclusive(SafeFileHandle handle) => SetRecordLock(handle, WriteLock);

    /// <summary>Releases a lock taken with <see cref="TryLockRecordExclusive(SafeFileHandle)"/>.</summary>
    /// <returns>Whether it was released; when not, the caller closes the handle, which releases it too.</returns>
    public static bool TryUnlockRecord(SafeFileHandle handle) => SetRecordLock(handle, UnlockRecord) == 0;

    private static int SetRecordLock(SafeFileHandle handle, short type)
    {
        // The structure below is the 64-bit layout (a 32-bit process would need fcntl64's).
        if (!s_available || !Environment.Is64BitProcess) return -1;
        try
        {
            var request = new FlockBuffer { Type = type, Whence = 0, Start = 0, Length = 0, Pid = 0 };
            while (true)
            {
                if (Fcntl(handle, OfdSetLock, ref request) == 0) return 0;
                int error = Marshal.GetLastPInvokeError();
                if (error == Interrupted) continue;
                return error == AccessDenied ? WouldBlock : error;
            }
        }
        catch (Exception ex) when (IsBindingFailure(ex))
        {
            s_available = false;
            return -1;
        }
    }

    /// <summary>Names a file type for messages.</summary>
    public static string Describe(int mode) => (mode & TypeMask) switch
    {
        RegularFile => "a regular file",
        DirectoryType => "a directory",
        SymbolicLink => "a symbolic link",
        0x1000 => "a named pipe (FIFO)",
        0xC000 => "a socket",
        0x2000 => "a character device",
        0x6000 => "a block device",
        _ => "a special file",
    };

    private static bool IsBindingFailure(Exception ex) => ex is DllNotFoundException or EntryPointNotFoundException or MarshalDirectiveException;

    private static nint PRead(int fd, byte[] buffer, int offset, int count, long position)
    {
        var handle = GCHandle.Alloc(buffer, GCHandleType.Pinned);
        try
        {
            return PRead(fd, handle.AddrOfPinnedObject() + offset, count, position);
        }
        finally
        {
            handle.Free();
        }
    }

    [DllImport("libc.so.6", EntryPoint = "open", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Open(byte[] path, int flags);

    [DllImport("libc.so.6", EntryPoint = "open", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Open(byte[] path, int flags, int mode);

    [DllImport("libc.so.6", EntryPoint = "pread64", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern nint PRead(int fd, nint buffer, nint count, long offset);

    [DllImport("libc.so.6", EntryPoint = "close")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Close(int fd);

    [DllImport("libc.so.6", EntryPoint = "statx", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Statx(int directoryFd, byte[] path, int flags, uint mask, out StatxBuffer buffer);

    [DllImport("libc.so.6", EntryPoint = "statx", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Statx(SafeFileHandle directoryFd, byte[] path, int flags, uint mask, out StatxBuffer buffer);

    [DllImport("libc.so.6", EntryPoint = "linkat", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int LinkAt(int oldDirectoryFd, byte[] oldPath, int newDirectoryFd, byte[] newPath, int flags);

    [DllImport("libc.so.6", EntryPoint = "unlink", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Unlink(byte[] path);

    [DllImport("libc.so.6", EntryPoint = "flock", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Flock(SafeFileHandle fd, int operation);

    [DllImport("libc.so.6", EntryPoint = "fcntl", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Fcntl(SafeFileHandle fd, int command, ref FlockBuffer request);

    /// <summary><c>struct flock</c> (fcntl.h) on 64-bit Linux: l_type, l_whence, l_start, l_len, l_pid (0 for OFD locks).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct FlockBuffer
    {
        public short Type;
        public short Whence;
        public long Start;
        public long Length;
        public int Pid;
    }

    /// <summary><c>struct statx</c> (linux/stat.h): 256 bytes, the same layout on every architecture; only the fields read are named.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct StatxBuffer
    {
        [FieldOffset(28)]
        public ushort Mode;

        [FieldOffset(32)]
        public ulong Inode;

        [FieldOffset(40)]
        public ulong Size;

        [FieldOffset(112)]
        public long ModifiedSeconds;

        [FieldOffset(120)]
        public uint ModifiedNanoseconds;

        [FieldOffset(136)]
        public uint DeviceMajor;

        [FieldOffset(140)]
        public uint DeviceMinor;

        public readonly FileIdentity ToIdentity() => new(((ulong)DeviceMajor << 32) | DeviceMinor, Inode, (long)Size)
        {
            LastWriteTicks = DateTime.UnixEpoch.Ticks + (ModifiedSeconds * TimeSpan.TicksPerSecond) + (ModifiedNanoseconds / 100),
        };
    }
}

/// <summary>Raised when a store path names a symbolic link or a special file instead of a regular file.</summary>
internal sealed class NotRegularFileException(string path, string what)
    : IOException($"'{Path.GetFileName(path)}' is {what}, not a regular file; the store never follows links or opens special files in its folder.")
{
    /// <summary>Gets what the path names.</summary>
    public string What { get; } = what;
}

/// <summary>Which file (device and inode) a path or handle refers to, and its length at the time it was asked.</summary>
/// <param name="Device">The device, major and minor numbers combined.</param>
/// <param name="Inode">The inode number; unique on its device while the file exists or is open.</param>
/// <param name="Length">The file's length in bytes.</param>
internal readonly record struct FileIdentity(ulong Device, ulong Inode, long Length)
{
    /// <summary>Gets the last-write time in UTC ticks, as <see cref="FileSystemInfo.LastWriteTimeUtc"/> gives it.</summary>
    public long LastWriteTicks { get; init; }

    /// <summary>Returns whether both name the same file (whatever their lengths).</summary>
    public bool IsSameFile(FileIdentity other) => Device == other.Device && Inode == other.Inode;
}

using System.Runtime.InteropServices;

namespace Sessions.Sdk;

/// <summary>Reads small files on Linux with three system calls (open, pread, close) instead of .NET's six.</summary>
/// <remarks>
/// .NET's <see cref="File.OpenHandle"/> also runs fstat and takes and releases an advisory flock on every open; listing reads
/// one small metadata document per session, where those calls dominate. Elsewhere, or when libc cannot be bound, callers
/// fall back to the managed API.
/// </remarks>
internal static class FileNative
{
    private const int ReadOnlyCloseOnExec = 0x80000; // O_RDONLY | O_CLOEXEC on Linux
    private const int NoSuchFile = 2; // ENOENT
    private static volatile bool s_available = OperatingSystem.IsLinux();

    /// <summary>Reads a whole small file.</summary>
    /// <returns><see langword="true"/> when the native path ran; <paramref name="content"/> is <see langword="null"/> when the file does not exist.</returns>
    public static bool TryReadSmallFile(string path, out ReadOnlyMemory<byte>? content)
    {
        content = null;
        if (!s_available) return false;
        try
        {
            // A NUL-terminated UTF-8 path, passed as bytes so no string marshalling is involved.
            byte[] utf8Path = new byte[System.Text.Encoding.UTF8.GetByteCount(path) + 1];
            System.Text.Encoding.UTF8.GetBytes(path, utf8Path);
            int fd = Open(utf8Path, ReadOnlyCloseOnExec);
            if (fd < 0)
            {
                int error = Marshal.GetLastPInvokeError();
                if (error == NoSuchFile) return true;
                return false;
            }

            try
            {
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
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or MarshalDirectiveException)
        {
            s_available = false;
            return false;
        }
    }

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

    [DllImport("libc.so.6", EntryPoint = "pread64", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern nint PRead(int fd, nint buffer, nint count, long offset);

    [DllImport("libc.so.6", EntryPoint = "close")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Close(int fd);
}

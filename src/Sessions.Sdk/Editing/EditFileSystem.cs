using Microsoft.Win32.SafeHandles;

namespace Sessions.Sdk;

/// <summary>Reads and writes workspace files for an edit session; a seam so tests can inject disk failures.</summary>
internal interface IEditFileSystem
{
    /// <summary>Reads a file whole; <see langword="null"/> when it does not exist.</summary>
    /// <exception cref="EditPreconditionException">The path is a folder or the file is larger than <paramref name="maxSize"/>.</exception>
    byte[]? ReadFile(string fullPath, string path, long maxSize);

    /// <summary>Replaces a file's content atomically (a temporary file in the same folder renamed over it), creating missing folders.</summary>
    void WriteFile(string fullPath, string tempPath, byte[] content);

    /// <summary>Deletes a file; nothing happens when it does not exist.</summary>
    void DeleteFile(string fullPath);
}

/// <summary>The real file system.</summary>
internal sealed class PhysicalEditFileSystem : IEditFileSystem
{
    public static PhysicalEditFileSystem Instance { get; } = new();

    /// <inheritdoc/>
    public byte[]? ReadFile(string fullPath, string path, long maxSize)
    {
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(fullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
        catch (UnauthorizedAccessException) when (Directory.Exists(fullPath))
        {
            // Opening a folder fails as access denied: checked only then, so a plain read costs no extra lookup.
            throw new EditPreconditionException(path, $"'{path}' is a folder, not a file.");
        }

        using (handle)
        {
            long length = RandomAccess.GetLength(handle);
            if (length > maxSize)
            {
                throw new EditPreconditionException(path, $"The file '{path}' is {length} bytes, over the limit of {maxSize} bytes (EditingOptions.MaxFileSize).");
            }

            var bytes = new byte[length];
            int read = 0;
            while (read < bytes.Length)
            {
                int n = RandomAccess.Read(handle, bytes.AsSpan(read), read);
                if (n == 0)
                {
                    throw new EditConflictException(path, $"The file '{path}' shrank while it was read; try again.");
                }

                read += n;
            }

            Span<byte> probe = stackalloc byte[1];
            if (RandomAccess.Read(handle, probe, length) > 0)
            {
                throw new EditConflictException(path, $"The file '{path}' grew while it was read; try again.");
            }

            return bytes;
        }
    }

    /// <inheritdoc/>
    public void WriteFile(string fullPath, string tempPath, byte[] content)
    {
        // A new temporary file (no truncation of an old one), its mode copied from the file it replaces, then renamed over it.
        using (var handle = CreateTemp(fullPath, tempPath))
        {
            RandomAccess.Write(handle, content, 0);
            if (!OperatingSystem.IsWindows())
            {
                UnixFileMode? mode = null;
                try
                {
                    mode = File.GetUnixFileMode(fullPath);
                }
                catch (FileNotFoundException)
                {
                }
                catch (DirectoryNotFoundException)
                {
                }

                if (mode is { } m)
                {
                    File.SetUnixFileMode(handle, m);
                }
            }
        }

        File.Move(tempPath, fullPath, overwrite: true);
    }

    /// <summary>Creates the temporary file; its folder is created only when missing, and a leftover of an interrupted write is replaced.</summary>
    private static SafeFileHandle CreateTemp(string fullPath, string tempPath)
    {
        try
        {
            return File.OpenHandle(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        }
        catch (DirectoryNotFoundException)
        {
            if (Path.GetDirectoryName(fullPath) is { } folder)
            {
                Directory.CreateDirectory(folder);
            }
        }
        catch (IOException) when (File.Exists(tempPath))
        {
            File.Delete(tempPath);
        }

        return File.OpenHandle(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None);
    }

    /// <inheritdoc/>
    public void DeleteFile(string fullPath) => File.Delete(fullPath);
}

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
        if (Directory.Exists(fullPath))
        {
            throw new EditPreconditionException(path, $"'{path}' is a folder, not a file.");
        }

        FileStream stream;
        try
        {
            stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }

        using (stream)
        {
            long length = stream.Length;
            if (length > maxSize)
            {
                throw new EditPreconditionException(path, $"The file '{path}' is {length} bytes, over the limit of {maxSize} bytes (EditingOptions.MaxFileSize).");
            }

            var bytes = new byte[length];
            stream.ReadExactly(bytes);
            if (stream.ReadByte() >= 0)
            {
                throw new EditConflictException(path, $"The file '{path}' grew while it was read; try again.");
            }

            return bytes;
        }
    }

    /// <inheritdoc/>
    public void WriteFile(string fullPath, string tempPath, byte[] content)
    {
        string? folder = Path.GetDirectoryName(fullPath);
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }

        using (var stream = new FileStream(tempPath, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None))
        {
            stream.Write(content);
        }

        if (!OperatingSystem.IsWindows() && File.Exists(fullPath))
        {
            File.SetUnixFileMode(tempPath, File.GetUnixFileMode(fullPath));
        }

        File.Move(tempPath, fullPath, overwrite: true);
    }

    /// <inheritdoc/>
    public void DeleteFile(string fullPath) => File.Delete(fullPath);
}

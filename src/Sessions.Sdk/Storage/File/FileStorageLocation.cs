namespace Sessions.Sdk;

/// <summary>Checks, before the file store is first used, that its directory is a folder this process can write to.</summary>
internal static class FileStorageLocation
{
    /// <summary>Returns why the directory cannot hold the store, or <see langword="null"/> when it can.</summary>
    /// <param name="directory">The store's full directory path.</param>
    /// <returns>The failure message, or <see langword="null"/>.</returns>
    public static string? Check(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        const string Setting = "FileStorageOptions.Directory (UseFileStorage(directory))";
        for (string? path = directory; !string.IsNullOrEmpty(path); path = Path.GetDirectoryName(path))
        {
            if (File.Exists(path))
            {
                return path == directory
                    ? $"{Setting} is '{directory}', which is a file, not a folder. Point it at a folder (or leave it unset for the per-application default), or move the file away."
                    : $"{Setting} is '{directory}', but '{path}' is a file, not a folder. Point it at a folder (or leave it unset for the per-application default), or move the file away.";
            }

            if (System.IO.Directory.Exists(path))
            {
                break;
            }
        }

        // The probe goes into the store's working folder (.tmp/, where every write of the store begins), not the root: a file
        // created and deleted in the root would change the root's last-write time at every start, and that time is what lets a
        // listing trust its catalog without reading the directory (FileSessionCatalog). Creating .tmp/ the first time writes the root.
        // Only into a real folder: when something else stands at .tmp/ (a link, a file; the store moves it aside when it starts),
        // the probe goes into the root as before, never through a link out of it.
        string work = Path.Combine(directory, ".tmp");
        var folder = new DirectoryInfo(work);
        bool usable = folder.LinkTarget is null && (!Path.Exists(work) || (folder.Exists && !folder.Attributes.HasFlag(FileAttributes.ReparsePoint)));
        string probe = Path.Combine(usable ? work : directory, $".write-check-{Environment.ProcessId:x}-{Random.Shared.NextInt64():x}");
        try
        {
            System.IO.Directory.CreateDirectory(usable ? work : directory);
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }

            return null;
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException or NotSupportedException)
        {
            return $"{Setting} is '{directory}', which this process cannot create or write to ({ex.Message}). Choose a folder this user can write to, or fix its permissions.";
        }
    }
}

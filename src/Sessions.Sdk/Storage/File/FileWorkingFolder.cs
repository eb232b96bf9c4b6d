using Microsoft.Extensions.Logging;

namespace Sessions.Sdk;

/// <summary>
/// The file store's working folders (<c>.locks/</c>, <c>.tmp/</c>, <c>.catalog/</c>): the store recreates one that was removed,
/// and moves anything else found in its place (a regular file, a symbolic link, a pipe) to <c>.quarantine/</c> under a
/// <c>displaced-</c> name before recreating it, so an intruder neither stops every write nor is deleted.
/// </summary>
internal static partial class FileWorkingFolder
{
    /// <summary>The prefix of the name an intruder is moved to in <c>.quarantine/</c>.</summary>
    public const string DisplacedPrefix = "displaced";

    /// <summary>Makes sure <paramref name="path"/> is a real directory (not a link); safe to call from several processes at once.</summary>
    /// <param name="path">The working folder, directly under the store root.</param>
    /// <param name="logger">Where a displaced intruder is reported.</param>
    /// <exception cref="IOException">The folder cannot be created, or what is in its place cannot be moved aside.</exception>
    /// <exception cref="UnauthorizedAccessException">The store root is not writable.</exception>
    public static void Ensure(string path, ILogger logger)
    {
        for (int attempt = 0; ; attempt++)
        {
            var existing = new FileInfo(path);
            bool intruder = existing.Exists || existing.LinkTarget is not null
                || (Directory.Exists(path) && existing.Attributes.HasFlag(FileAttributes.ReparsePoint));
            if (!intruder)
            {
                try
                {
                    Directory.CreateDirectory(path);
                    // Created (or found) as a directory, not through a link another process put there in between.
                    if (!new DirectoryInfo(path).Attributes.HasFlag(FileAttributes.ReparsePoint)) return;
                }
                catch (IOException) when (attempt < 8)
                {
                    // Something appeared at the path between the check and the creation: look again.
                }

                if (attempt >= 8) throw new IOException($"The store's working folder '{path}' cannot be created: something keeps taking its place.");
                continue;
            }

            string quarantine = Path.Combine(Path.GetDirectoryName(path)!, ".quarantine");
            Directory.CreateDirectory(quarantine);
            string target = Path.Combine(quarantine, DisplacedPrefix + Path.GetFileName(path) + "-" + Guid.NewGuid().ToString("N")[..12]);
            try
            {
                // Moves the link or file itself, never what a link points to, and never a real folder another process put there
                // meanwhile (the native move refuses directories; elsewhere the check just before the move is the guard).
                int moved = FileNative.TryMoveNonDirectory(path, target);
                bool stillThere = moved != 0 && moved != FileNative.NoSuchFile && (File.Exists(path) || new FileInfo(path).LinkTarget is not null);
                if (moved == -1 || stillThere)
                {
                    // No native calls, or a file system without hard links.
                    if (new FileInfo(path).LinkTarget is not null && Directory.Exists(path)) Directory.Move(path, target);
                    else if (File.Exists(path)) File.Move(path, target);
                    moved = 0;
                }

                if (moved == 0) LogDisplaced(logger, path, target);
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                // Another process moved it first.
            }
            catch (IOException) when (attempt < 8 && !Path.Exists(path))
            {
            }
            catch (UnauthorizedAccessException) when (attempt < 8 && Directory.Exists(path))
            {
                // A folder took its place meanwhile.
            }

            if (attempt >= 8) throw new IOException($"The store's working folder '{path}' cannot be created: something keeps taking its place.");
        }
    }

    [LoggerMessage(EventId = 3010, Level = LogLevel.Warning, Message = "The store's working folder '{Path}' was not a folder; what was there was moved to '{Target}' and the folder recreated.")]
    private static partial void LogDisplaced(ILogger logger, string path, string target);
}

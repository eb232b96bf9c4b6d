namespace Sessions.Sdk;

/// <summary>Keeps every path of an edit session inside its workspace root: normalizes relative paths and resolves links before any byte is read or written.</summary>
internal sealed class WorkspaceSandbox
{
    private const int MaxLinkHops = 40;

    private static readonly HashSet<string> ReservedNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
        "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
        "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    };

    private static readonly StringComparison PathComparison =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    public WorkspaceSandbox(string root)
    {
        Root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        RealRoot = Path.TrimEndingDirectorySeparator(RealPath(Root));
    }

    /// <summary>Gets the workspace root as given (full path).</summary>
    public string Root { get; }

    /// <summary>Gets the workspace root with every link resolved.</summary>
    public string RealRoot { get; }

    /// <summary>Normalizes a workspace-relative path to <c>a/b/c</c>, refusing anything that is not plainly relative and inside.</summary>
    public static string Normalize(string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new EditSandboxException(path ?? string.Empty, "it is empty");
        }

        if (path.Length > 4096)
        {
            throw new EditSandboxException(path[..64] + "…", "it is longer than 4096 characters");
        }

        foreach (char c in path)
        {
            if (c == '\0')
            {
                throw new EditSandboxException(path, "it contains a NUL character");
            }

            if (char.IsControl(c))
            {
                throw new EditSandboxException(path, "it contains a control character");
            }
        }

        if (path[0] is '/' or '\\')
        {
            throw new EditSandboxException(path, path.Length > 1 && path[1] is '/' or '\\' ? "it is a UNC or device path" : "it is absolute");
        }

        if (path.Contains(':', StringComparison.Ordinal))
        {
            throw new EditSandboxException(path, path.Length >= 2 && char.IsAsciiLetter(path[0]) && path[1] == ':' ? "it starts with a drive letter" : "it contains ':' (a drive, stream or URL)");
        }

        if (path[0] == '~')
        {
            throw new EditSandboxException(path, "it starts with '~' (a home folder in shells)");
        }

        if (Path.IsPathRooted(path))
        {
            throw new EditSandboxException(path, "it is absolute");
        }

        var segments = new List<string>();
        foreach (var segment in path.Split('/', '\\'))
        {
            if (segment.Length == 0 || segment == ".")
            {
                continue;
            }

            if (segment == "..")
            {
                throw new EditSandboxException(path, "it contains '..'");
            }

            if (segment.Length > 255)
            {
                throw new EditSandboxException(path, "a name is longer than 255 characters");
            }

            if (segment[^1] is '.' or ' ')
            {
                throw new EditSandboxException(path, "a name ends with a dot or space (Windows would strip it)");
            }

            int dot = segment.IndexOf('.', StringComparison.Ordinal);
            if (ReservedNames.Contains(dot < 0 ? segment : segment[..dot]))
            {
                throw new EditSandboxException(path, $"'{segment}' is a reserved device name");
            }

            if (segment.IndexOfAny(['<', '>', '"', '|', '?', '*']) >= 0)
            {
                throw new EditSandboxException(path, "a name contains a wildcard or a character Windows forbids");
            }

            segments.Add(segment);
        }

        if (segments.Count == 0)
        {
            throw new EditSandboxException(path, "it names the workspace root itself");
        }

        return string.Join('/', segments);
    }

    /// <summary>Returns the real full path (links resolved) of a normalized relative path, refusing one that leaves the root.</summary>
    /// <param name="normalizedPath">The path from <see cref="Normalize"/>.</param>
    /// <param name="originalPath">The path as given, for messages.</param>
    /// <param name="folders">
    /// Real paths of the folders already resolved by the same call (one preview, apply or rollback), so files of one folder
    /// walk its links once; <see langword="null"/> resolves every segment afresh.
    /// </param>
    public string Resolve(string normalizedPath, string originalPath, Dictionary<string, (string Real, bool Exists)>? folders = null)
    {
        string full = Path.Join(RealRoot, normalizedPath.Replace('/', Path.DirectorySeparatorChar));
        string real;
        try
        {
            real = folders is null ? RealPath(full) : RealPath(full, folders);
        }
        catch (IOException ex)
        {
            throw new EditSandboxException(originalPath, "its links could not be resolved (" + ex.Message + ")");
        }

        if (!IsInside(real))
        {
            throw new EditSandboxException(originalPath, "a link in it resolves outside the workspace");
        }

        return real;
    }

    private bool IsInside(string real) =>
        real.Length > RealRoot.Length
        && real.StartsWith(RealRoot, PathComparison)
        && (real[RealRoot.Length] == Path.DirectorySeparatorChar || RealRoot.EndsWith(Path.DirectorySeparatorChar));

    /// <summary>
    /// Resolves a full path as <see cref="RealPath(string)"/> does, taking the real path of its folder from <paramref name="folders"/>
    /// (resolving and adding it when absent): only the last segment is looked at, and a link there is resolved in full.
    /// </summary>
    internal static string RealPath(string fullPath, Dictionary<string, (string Real, bool Exists)> folders)
    {
        string? folder = Path.GetDirectoryName(fullPath);
        if (string.IsNullOrEmpty(folder))
        {
            return RealPath(fullPath);
        }

        if (!folders.TryGetValue(folder, out var resolved))
        {
            string real = RealPath(folder);
            folders[folder] = resolved = (real, Path.Exists(real));
        }

        string next = Path.Join(resolved.Real, Path.GetFileName(fullPath));

        // Below a missing folder the walk stops, so the rest is kept as given; otherwise a link as the last segment is resolved in full.
        return !resolved.Exists || new FileInfo(next).LinkTarget is null ? next : RealPath(fullPath);
    }

    /// <summary>Resolves every symbolic link and junction along a full path, like realpath(3); missing trailing parts are kept as given.</summary>
    internal static string RealPath(string fullPath)
    {
        string root = Path.GetPathRoot(fullPath) ?? string.Empty;
        var pending = new Stack<string>();
        PushSegments(pending, fullPath[root.Length..]);
        string current = root;
        int hops = 0;
        bool missing = false;
        while (pending.Count > 0)
        {
            string segment = pending.Pop();
            if (segment.Length == 0 || segment == ".")
            {
                continue;
            }

            if (segment == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }

            string next = Path.Join(current, segment);
            if (!missing)
            {
                var info = new FileInfo(next);
                string? target = info.LinkTarget;
                if (target is not null)
                {
                    if (++hops > MaxLinkHops)
                    {
                        throw new IOException("too many levels of links");
                    }

                    if (Path.IsPathRooted(target))
                    {
                        current = Path.GetPathRoot(target) ?? root;
                        PushSegments(pending, target[current.Length..]);
                    }
                    else
                    {
                        PushSegments(pending, target);
                    }

                    continue;
                }

                missing = !info.Exists && !Directory.Exists(next);
            }

            current = next;
        }

        return current;
    }

    private static void PushSegments(Stack<string> pending, string relative)
    {
        var parts = relative.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        for (int i = parts.Length - 1; i >= 0; i--)
        {
            pending.Push(parts[i]);
        }
    }
}

namespace Sessions.Sdk;

/// <summary>Configures the file store: where sessions live, how durable an append is, and how long to wait for a lock.</summary>
public sealed class FileStorageOptions
{
    /// <summary>Gets or sets the directory that holds the sessions; created on first write.</summary>
    /// <value>The default value is <see langword="null"/>: <c>{ApplicationName}/sessions</c> under the per-user local application data directory.</value>
    public string? Directory { get; set; }

    /// <summary>Gets or sets the application name that separates this application's default store from other applications' stores.</summary>
    /// <remarks>Used only when <see cref="Directory"/> is <see langword="null"/>: the store is then <c>LocalApplicationData/{ApplicationName}/sessions</c>.</remarks>
    /// <value>The default value is <see langword="null"/>: the entry assembly's name (<c>Sessions.Sdk</c> when there is none).</value>
    public string? ApplicationName { get; set; }

    /// <summary>Gets or sets a value indicating whether every write is flushed to the disk (fsync) before the call returns.</summary>
    /// <remarks>
    /// When <see langword="false"/>, a returned append is in the operating system's cache: it survives the process being killed
    /// but not a power loss. When <see langword="true"/>, it also survives a power loss, at the cost of one fsync per append.
    /// </remarks>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool FsyncOnAppend { get; set; }

    /// <summary>Gets or sets how long an operation waits for another thread or process to release a session's lock.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how many journal bytes may be appended before the session's summary (count, usage) is saved again.</summary>
    /// <remarks>
    /// A save replaces the metadata document (temporary file, rename), which costs a few hundred microseconds on ext4, where
    /// renaming over a file first starts writing the new file's data; the default spreads that over about 500 appends of
    /// typical messages. Readers in other processes scan at most this many journal bytes to bring a stale summary up to date.
    /// </remarks>
    /// <value>The default value is 262,144 bytes.</value>
    public int SummaryInterval { get; set; } = 256 * 1024;

    /// <summary>Gets or sets a value indicating whether the store may use its Linux system-call fast paths (lock files and
    /// journals kept open between operations); when <see langword="false"/> it uses only the portable managed path.</summary>
    /// <remarks>Internal: a switch for tests of the portable path, which every other platform takes.</remarks>
    internal bool NativeFastPath { get; set; } = true;

    /// <summary>Gets or sets how many session journals the native path keeps open at most (file descriptors held between operations).</summary>
    /// <remarks>Internal: a bound on resources, lowered by tests.</remarks>
    internal int KeptJournalLimit { get; set; } = 256;

    /// <summary>Throws when an option has a value the store cannot work with.</summary>
    /// <exception cref="ArgumentException">An option is out of range; the message names it.</exception>
    internal void Validate()
    {
        if (Directory is not null && string.IsNullOrWhiteSpace(Directory))
        {
            throw new ArgumentException($"{nameof(FileStorageOptions)}.{nameof(Directory)} must not be empty or white space; leave it null for the default directory.", nameof(Directory));
        }

        if (ApplicationName is not null && (string.IsNullOrWhiteSpace(ApplicationName) || ApplicationName is "." or ".." || ApplicationName.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || ApplicationName.Contains('/', StringComparison.Ordinal) || ApplicationName.Contains('\\', StringComparison.Ordinal)))
        {
            throw new ArgumentException($"{nameof(FileStorageOptions)}.{nameof(ApplicationName)} '{ApplicationName}' must be a folder name (no path separators or invalid characters); leave it null for the entry assembly's name.", nameof(ApplicationName));
        }

        if (LockTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(LockTimeout), LockTimeout, $"{nameof(FileStorageOptions)}.{nameof(LockTimeout)} must be positive.");
        }

        if (SummaryInterval < 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(SummaryInterval), SummaryInterval, $"{nameof(FileStorageOptions)}.{nameof(SummaryInterval)} must be at least 1024 bytes.");
        }
    }

    /// <summary>Returns the directory to use: <see cref="Directory"/> or this application's per-user default.</summary>
    /// <returns>A full path.</returns>
    internal string ResolveDirectory() => Path.GetFullPath(Directory ?? DefaultDirectory(ApplicationName));

    /// <summary>Returns the per-user default directory of an application, <c>{applicationName}/sessions</c> under local application data.</summary>
    /// <param name="applicationName">The application name; <see langword="null"/> for the entry assembly's name.</param>
    /// <returns>The path.</returns>
    internal static string DefaultDirectory(string? applicationName = null)
    {
        applicationName ??= System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name;
        if (string.IsNullOrWhiteSpace(applicationName) || applicationName.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
        {
            applicationName = "Sessions.Sdk";
        }

        var baseDirectory = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        if (string.IsNullOrEmpty(baseDirectory))
        {
            baseDirectory = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile, Environment.SpecialFolderOption.DoNotVerify), ".local", "share");
        }

        return Path.Combine(baseDirectory, applicationName, "sessions");
    }
}

using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sessions.Sdk.Testing;

namespace Sessions.Sdk.Tests;

/// <summary>A temporary workspace and store for edit session tests; <see cref="Restart"/> builds a fresh provider over the same store (a new process, as far as the library knows).</summary>
internal sealed class EditTestHost : IDisposable
{
    private readonly Action<EditingOptions>? _configure;
    private readonly bool _fileStore;
    private ServiceProvider _provider;

    public EditTestHost(bool fileStore = true, Action<EditingOptions>? configure = null)
    {
        Temp = Directory.CreateTempSubdirectory("sessions-edit-").FullName;
        Workspace = Path.Combine(Temp, "workspace");
        Outside = Path.Combine(Temp, "outside");
        Directory.CreateDirectory(Workspace);
        Directory.CreateDirectory(Outside);
        _fileStore = fileStore;
        _configure = configure;
        _provider = Build();
    }

    public string Temp { get; }

    public string Workspace { get; }

    public string Outside { get; }

    public MemorySessionStorage Memory { get; } = new();

    public ScriptedChatClient Client { get; private set; } = new("edit-model");

    public IEditSessionManager Edits => _provider.GetRequiredService<IEditSessionManager>();

    public ISessionManager Sessions => _provider.GetRequiredService<ISessionManager>();

    /// <summary>A manager whose file system is <paramref name="files"/> (for injected failures).</summary>
    public IEditSessionManager EditsWith(IEditFileSystem files, Action<EditingOptions>? configure = null)
    {
        var options = new EditingOptions();
        _configure?.Invoke(options);
        configure?.Invoke(options);
        return new EditSessionManager(Sessions, Options.Create(options), TimeProvider.System) { FileSystem = files };
    }

    public void Restart()
    {
        _provider.Dispose();
        Client = new ScriptedChatClient("edit-model");
        _provider = Build();
    }

    public string PathOf(string relative) => Path.Combine(Workspace, relative);

    public void Write(string relative, string text) => WriteBytes(relative, Encoding.UTF8.GetBytes(text));

    public void WriteBytes(string relative, byte[] bytes)
    {
        string full = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, bytes);
    }

    public string Read(string relative) => Encoding.UTF8.GetString(File.ReadAllBytes(PathOf(relative)));

    public byte[] ReadBytes(string relative) => File.ReadAllBytes(PathOf(relative));

    /// <summary>Every file under the temp folder (workspace and outside), with its bytes, to prove nothing else was written.</summary>
    public Dictionary<string, string> Snapshot() =>
        Directory.EnumerateFiles(Temp, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Where(f => !f.StartsWith(Path.Combine(Temp, "store"), StringComparison.Ordinal))
            .ToDictionary(f => Path.GetRelativePath(Temp, f), f => new FileInfo(f).LinkTarget is { } link ? "link:" + link : Convert.ToHexString(File.ReadAllBytes(f)), StringComparer.Ordinal);

    public void Dispose()
    {
        _provider.Dispose();
        try
        {
            Directory.Delete(Temp, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private ServiceProvider Build()
    {
        var services = new ServiceCollection();
        var builder = services.AddSessions(o => o.DefaultProvider = "fake").AddChatProvider("fake", Client, "edit-model");
        builder.ConfigureResilience(o => o.Enabled = false);
        if (_fileStore)
        {
            builder.UseFileStorage(Path.Combine(Temp, "store"));
        }
        else
        {
            builder.UseStorage(Memory);
        }

        builder.AddEditing(_configure);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }
}

/// <summary>The real file system, failing the Nth write (or delete) with an IOException, like a full disk.</summary>
internal sealed class FailingEditFileSystem(int failOnWrite) : IEditFileSystem
{
    private int _writes;

    public int Writes => _writes;

    public byte[]? ReadFile(string fullPath, string path, long maxSize) => PhysicalEditFileSystem.Instance.ReadFile(fullPath, path, maxSize);

    public void WriteFile(string fullPath, string tempPath, byte[] content)
    {
        if (Interlocked.Increment(ref _writes) == failOnWrite)
        {
            throw new IOException("No space left on device (injected)");
        }

        PhysicalEditFileSystem.Instance.WriteFile(fullPath, tempPath, content);
    }

    public void DeleteFile(string fullPath)
    {
        if (Interlocked.Increment(ref _writes) == failOnWrite)
        {
            throw new IOException("No space left on device (injected)");
        }

        PhysicalEditFileSystem.Instance.DeleteFile(fullPath);
    }
}

using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Sessions.Sdk.Benchmarks;

/// <summary>Shared plumbing of the file-store workloads (W1-W4): the store built through <c>UseFileStorage</c>, messages, fixtures.</summary>
internal static class FileBench
{
    public const string SessionId = "bench-session";

    public static readonly DateTimeOffset Start = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Builds the store with <c>UseFileStorage</c> as an application would, and invokes the registered factory.</summary>
    public static ISessionStorage CreateStorage(string directory, bool fsync = false)
    {
        var builder = new Builder();
        builder.UseFileStorage(directory, o => o.FsyncOnAppend = fsync);
        var descriptor = builder.Services.Single(d => d.ServiceType == typeof(ISessionStorage));
        return (ISessionStorage)descriptor.ImplementationFactory!(EmptyServiceProvider.Instance);
    }

    public static void Dispose(ISessionStorage storage) => (storage as IDisposable)?.Dispose();

    /// <summary>Creates the PERFORMANCE.md messages of one stream: role by index, 400 generated characters each.</summary>
    public static SessionMessage[] Messages(uint seed, int count, DateTimeOffset start)
    {
        var generator = new ContentGenerator(seed);
        var messages = new SessionMessage[count];
        for (int i = 0; i < count; i++)
        {
            messages[i] = new SessionMessage
            {
                Message = new ChatMessage(new ChatRole(ContentGenerator.Role(i)), generator.Next()),
                Timestamp = start.AddSeconds(i),
            };
        }

        return messages;
    }

    /// <summary>Returns the reference JSON lines of PERFORMANCE.md for one stream.</summary>
    public static byte[][] ReferenceLines(uint seed, int count)
    {
        var generator = new ContentGenerator(seed);
        var lines = new byte[count][];
        for (int i = 0; i < count; i++) lines[i] = System.Text.Encoding.ASCII.GetBytes(ContentGenerator.ReferenceLine(i, generator.Next()));
        return lines;
    }

    /// <summary>Returns the bytes of every session file under <paramref name="directory"/> (lock stripes and temporary files aside).</summary>
    public static long BytesOnDisk(string directory) =>
        new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.TopDirectoryOnly).Sum(f => f.Length);

    public static void DeleteDirectory(string directory)
    {
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private sealed class Builder : ISessionsBuilder
    {
        public IServiceCollection Services { get; } = new ServiceCollection();
    }

    private sealed class EmptyServiceProvider : IServiceProvider
    {
        public static readonly EmptyServiceProvider Instance = new();

        public object? GetService(Type serviceType) => null;
    }
}

using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Sessions.Sdk.Benchmarks;

/// <summary>
/// W5 under BenchmarkDotNet (MemoryDiagnoser), as PERFORMANCE.md asks: <c>SendAsync</c> through the whole pipeline with a
/// zero-latency fake model, on memory and file storage; the payload alone (to subtract its allocations); and a single
/// <c>AddMessageAsync</c> of a W1 message (the file target's reference).
/// </summary>
/// <remarks>Each iteration starts a new session (setup, not timed), so a session holds at most one iteration's messages.</remarks>
[MemoryDiagnoser]
public class ChatSendBenchmarks
{
    /// <summary>Invocations per iteration.</summary>
    public const int InvocationsPerIteration = 20_000;

    private readonly string[] _texts = [.. Enumerable.Range(0, 64).Select(i => "hello " + i)];
    private readonly string[] _contents = CreateContents();
    private ServiceProvider? _provider;
    private ISessionStorage? _storage;
    private ISessionManager _sessions = null!;
    private Session _session = null!;
    private Session _appender = null!;
    private string? _directory;
    private int _next;

    /// <summary>Gets or sets the storage: <c>memory</c> or <c>file</c> (no fsync).</summary>
    [Params("memory", "file")]
    public string Storage { get; set; } = "memory";

    /// <summary>Builds the store and the manager as an application would.</summary>
    [GlobalSetup]
    public void Setup()
    {
        if (Storage == "file")
        {
            string root = Environment.GetEnvironmentVariable("SESSIONS_BENCH_DIR") ?? Path.GetTempPath();
            _directory = Path.Combine(root, "w5-bdn-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8]);
            _storage = ChatBench.CreateFileStorage(_directory);
        }

        (_provider, _sessions) = ChatBench.CreateManager(_storage, new ZeroLatencyChatClient(), historyWindow: 20);
    }

    /// <summary>Starts new sessions for the iteration.</summary>
    [IterationSetup]
    public void NewSessions()
    {
        _session = _sessions.Create().CreateAsync().GetAwaiter().GetResult();
        _appender = _sessions.Create().CreateAsync().GetAwaiter().GetResult();
        _next = 0;
    }

    /// <summary>One round trip: the user message stored, the context read (window 20), the model called, the reply stored.</summary>
    /// <returns>The response.</returns>
    [Benchmark]
    public Task<ChatResponse> SendAsync() => _session.SendAsync(new ChatMessage(ChatRole.User, _texts[_next++ & 63]));

    /// <summary>The payload of a round trip alone: the caller's message and the fake model's reply.</summary>
    /// <returns>The two objects.</returns>
    [Benchmark]
    public object Payload() => (new ChatMessage(ChatRole.User, _texts[_next++ & 63]), ZeroLatencyChatClient.CreateReply());

    /// <summary>A single W1-style append (400 characters) through <see cref="Session.AddMessageAsync"/>.</summary>
    /// <returns>The stored message.</returns>
    [Benchmark]
    public Task<SessionMessage> AddMessageAsync()
    {
        int i = _next++;
        return _appender.AddMessageAsync(new ChatMessage(new ChatRole(ContentGenerator.Role(i)), _contents[i & 63]));
    }

    /// <summary>Releases the manager and the store, and deletes the file store's directory.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _provider?.Dispose();
        (_storage as IDisposable)?.Dispose();
        if (_directory is not null) FileBench.DeleteDirectory(_directory);
    }

    /// <summary>Runs the benchmarks in this process and returns each one's mean (µs) and allocation per operation (bytes).</summary>
    /// <returns>Figures keyed <c>{method}-{storage}-us</c> and <c>{method}-{storage}-bytes</c>.</returns>
    public static Dictionary<string, double> Run()
    {
        var job = Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(Harness.Size(3, 1))
            .WithIterationCount(Harness.Size(7, 1))
            .WithInvocationCount(Harness.Size(InvocationsPerIteration, 200))
            .WithUnrollFactor(1);
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddLogger(new StandardErrorLogger())
            .WithArtifactsPath(Path.Combine(Path.GetTempPath(), "sessions-bench-bdn-" + Environment.ProcessId))
            .WithOptions(ConfigOptions.DisableLogFile);
        var summary = BenchmarkRunner.Run<ChatSendBenchmarks>(config);
        var figures = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var report in summary.Reports)
        {
            if (report.ResultStatistics is not { } statistics) throw new InvalidOperationException($"benchmark {report.BenchmarkCase.DisplayInfo} produced no result");
            string key = report.BenchmarkCase.Descriptor.WorkloadMethod.Name + "-" + report.BenchmarkCase.Parameters["Storage"];
            figures[key + "-us"] = statistics.Mean / 1000.0;
            figures[key + "-bytes"] = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? double.NaN;
        }

        return figures;
    }

    private static string[] CreateContents()
    {
        var generator = new ContentGenerator(42);
        return [.. Enumerable.Range(0, 64).Select(_ => generator.Next())];
    }

    /// <summary>BenchmarkDotNet's log on standard error: standard output carries the child's figures.</summary>
    private sealed class StandardErrorLogger : ILogger
    {
        public string Id => nameof(StandardErrorLogger);

        public int Priority => 0;

        public void Write(LogKind logKind, string text) => Console.Error.Write(text);

        public void WriteLine() => Console.Error.WriteLine();

        public void WriteLine(LogKind logKind, string text) => Console.Error.WriteLine(text);

        public void Flush() => Console.Error.Flush();
    }
}

/// <summary>The W5 child: runs <see cref="ChatSendBenchmarks"/> under BenchmarkDotNet in a fresh process.</summary>
internal sealed class ChatSendBenchmarkMeasurement : IChildMeasurement
{
    public const string MeasurementName = "w5-benchmarkdotnet";

    public string Name => MeasurementName;

    public Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args)
    {
        if (args.Length > 0) Environment.SetEnvironmentVariable("SESSIONS_BENCH_DIR", args[0]);
        return Task.FromResult<IReadOnlyDictionary<string, double>>(ChatSendBenchmarks.Run());
    }
}

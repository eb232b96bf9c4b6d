using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.AI;
using Npgsql;

namespace Sessions.Sdk.Tests;

/// <summary>Runs several processes appending to one session through the PostgreSQL store: nothing lost, nothing duplicated.</summary>
[TestFixture]
[Category("Integration")]
public sealed class PostgreSqlConcurrencyTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(80);
    private NpgsqlDataSource? _dataSource;
    private PostgreSqlSessionStorage? _storage;
    private string _schema = string.Empty;

    [OneTimeSetUp]
    public async Task CreateSchema()
    {
        _dataSource = PostgreSqlTestDatabase.CreateDataSource();
        _schema = PostgreSqlTestDatabase.NewSchemaName("conc");
        _storage = PostgreSqlTestDatabase.CreateStorage(_dataSource, _schema);
        await _storage.MigrateAsync(int.MaxValue, CancellationToken.None);
    }

    [OneTimeTearDown]
    public async Task DropSchema()
    {
        if (_storage is not null) await _storage.DisposeAsync();
        if (_dataSource is not null)
        {
            await PostgreSqlTestDatabase.DropSchemaAsync(_dataSource, _schema);
            await _dataSource.DisposeAsync();
        }
    }

    [Test]
    public Task AppendMessagesAsync_FourProcesses500Each_NoneLostOrDuplicated() => RunWritersAsync(processes: 4, appendsEach: 500);

    [Test]
    public Task AppendMessagesAsync_TwoProcesses500Each_NoneLost() => RunWritersAsync(processes: 2, appendsEach: 500);

    private async Task RunWritersAsync(int processes, int appendsEach)
    {
        string sessionId = $"race-{processes}-{Guid.NewGuid():N}";
        await _storage!.CreateAsync(new SessionInfo { Id = sessionId, Title = "race", CreatedAt = TimeProvider.System.GetUtcNow(), UpdatedAt = TimeProvider.System.GetUtcNow() }, []);
        string host = Path.Combine(AppContext.BaseDirectory, "Sessions.Sdk.TestHost.dll");
        var writers = new List<Writer>();
        var clock = Stopwatch.StartNew();
        try
        {
            for (int p = 0; p < processes; p++)
            {
                writers.Add(Writer.Start(host, _schema, sessionId, appendsEach, $"w{p}"));
            }

            foreach (var writer in writers) await writer.WaitForAsync("ready", Limit);
            var released = Stopwatch.StartNew();
            foreach (var writer in writers) await writer.SendAsync("go");
            foreach (var writer in writers) await writer.WaitForExitAsync(Limit);
            released.Stop();

            var messages = await _storage.GetMessagesAsync(sessionId, MessageRange.All);
            var info = await _storage.GetAsync(sessionId);
            int expected = processes * appendsEach;
            var texts = messages.Select(m => m.Text).ToList();
            int duplicates = texts.Count - texts.Distinct(StringComparer.Ordinal).Count();
            int lost = Enumerable.Range(0, processes).SelectMany(p => Enumerable.Range(0, appendsEach).Select(i => $"w{p}:{i}")).Except(texts, StringComparer.Ordinal).Count();
            int acknowledged = writers.Sum(w => w.Acks.Count);
            TestContext.Out.WriteLine(
                $"{processes} processes x {appendsEach} appends: {acknowledged} acknowledged, {messages.Count} stored, {lost} lost, {duplicates} duplicated, " +
                $"{released.Elapsed.TotalMilliseconds:0} ms after release ({released.Elapsed.TotalMilliseconds * processes / expected:0.00} ms per append per process)");

            using (Assert.EnterMultipleScope())
            {
                Assert.That(writers.Select(w => w.ExitCode), Is.All.Zero, string.Join("\n", writers.Select(w => w.Errors)));
                Assert.That(acknowledged, Is.EqualTo(expected));
                Assert.That(lost, Is.Zero);
                Assert.That(duplicates, Is.Zero);
                Assert.That(messages.Select(m => m.Sequence), Is.EqualTo(Enumerable.Range(1, expected).Select(i => (long)i)));
                Assert.That(info!.MessageCount, Is.EqualTo(expected));
            }

            // Every acknowledged sequence holds the message its writer sent, and each writer's messages keep their order.
            var bySequence = messages.ToDictionary(m => m.Sequence, m => m.Text);
            for (int p = 0; p < processes; p++)
            {
                var acks = writers[p].Acks;
                Assert.That(acks.Select(a => bySequence[a.Sequence]), Is.EqualTo(acks.Select(a => $"w{p}:{a.Index}")));
                Assert.That(acks.Select(a => a.Sequence), Is.Ordered.Ascending);
            }
        }
        finally
        {
            foreach (var writer in writers) writer.Dispose();
            TestContext.Out.WriteLine($"total {clock.Elapsed.TotalSeconds:0.0} s");
        }
    }

    private sealed class Writer : IDisposable
    {
        private readonly Process _process;
        private readonly Task _reader;
        private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly System.Text.StringBuilder _errors = new();

        private Writer(Process process)
        {
            _process = process;
            _process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                lock (_errors) _errors.AppendLine(e.Data);
            };
            _process.BeginErrorReadLine();
            _reader = Task.Run(ReadAsync);
        }

        public List<(int Index, long Sequence)> Acks { get; } = [];

        public int ExitCode => _process.HasExited ? _process.ExitCode : -1;

        public string Errors
        {
            get
            {
                lock (_errors) return _errors.ToString();
            }
        }

        public static Writer Start(string host, string schema, string sessionId, int count, string name)
        {
            var psi = new ProcessStartInfo("dotnet")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string arg in new[] { host, "postgresql-append", schema, sessionId, count.ToString(CultureInfo.InvariantCulture), name }) psi.ArgumentList.Add(arg);
            psi.Environment[PostgreSqlTestDatabase.ConnectionStringVariable] = PostgreSqlTestDatabase.RequireConnectionString();
            return new Writer(Process.Start(psi)!);
        }

        public async Task WaitForAsync(string line, TimeSpan limit)
        {
            var finished = await Task.WhenAny(_ready.Task, Task.Delay(limit));
            if (finished != _ready.Task) Assert.Fail($"the writer did not print '{line}' in time: {Errors}");
            await _ready.Task;
        }

        public async Task SendAsync(string line)
        {
            try
            {
                await _process.StandardInput.WriteLineAsync(line);
                await _process.StandardInput.FlushAsync();
            }
            catch (IOException ex)
            {
                // The writer is gone: say why (its exit code and standard error), not just "broken pipe".
                await _process.WaitForExitAsync();
                Assert.Fail($"the writer exited (code {_process.ExitCode}) before '{line}' reached it ({ex.Message}): {Errors}");
            }
        }

        public async Task WaitForExitAsync(TimeSpan limit)
        {
            using var cts = new CancellationTokenSource(limit);
            try
            {
                await _process.WaitForExitAsync(cts.Token);
                await _reader;
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"the writer did not finish within {limit.TotalSeconds} s; {Acks.Count} acknowledged. {Errors}");
            }
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                try
                {
                    _process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                }
            }

            _process.Dispose();
        }

        private async Task ReadAsync()
        {
            while (await _process.StandardOutput.ReadLineAsync() is { } line)
            {
                if (line == "ready")
                {
                    _ready.TrySetResult();
                }
                else if (line.StartsWith("ack ", StringComparison.Ordinal))
                {
                    var parts = line.Split(' ');
                    Acks.Add((int.Parse(parts[1], CultureInfo.InvariantCulture), long.Parse(parts[2], CultureInfo.InvariantCulture)));
                }
            }

            _ready.TrySetResult();
        }
    }
}

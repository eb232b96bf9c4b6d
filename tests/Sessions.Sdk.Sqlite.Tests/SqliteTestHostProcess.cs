using System.Diagnostics;

namespace Sessions.Sdk.Tests;

/// <summary>Runs the Sessions.Sdk.TestHost child process and collects its acknowledgement lines.</summary>
internal sealed class SqliteTestHostProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly Task _reader;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SqliteTestHostProcess(Process process)
    {
        _process = process;
        _reader = Task.Run(ReadAllAsync);
    }

    /// <summary>Gets the path of the test host next to the tests.</summary>
    public static string HostPath => Path.Combine(AppContext.BaseDirectory, "Sessions.Sdk.TestHost.dll");

    /// <summary>Gets a task that completes when the child printed <c>ready</c>.</summary>
    public Task Ready => _ready.Task;

    /// <summary>Gets the process id.</summary>
    public int Id => _process.Id;

    /// <summary>Starts <c>dotnet Sessions.Sdk.TestHost.dll command args…</c>.</summary>
    public static SqliteTestHostProcess Start(string command, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(HostPath);
        psi.ArgumentList.Add(command);
        foreach (var a in args) psi.ArgumentList.Add(a);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the test host");
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        return new SqliteTestHostProcess(process);
    }

    /// <summary>Returns a copy of every line read so far.</summary>
    public string[] Lines()
    {
        lock (_lines) return [.. _lines];
    }

    /// <summary>Waits until the child printed at least <paramref name="count"/> lines, exited, or <paramref name="timeout"/> passed.</summary>
    public async Task WaitForLinesAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (DateTimeOffset.UtcNow < deadline && !_reader.IsCompleted)
        {
            lock (_lines)
            {
                if (_lines.Count >= count) return;
            }

            await Task.Delay(1);
        }
    }

    /// <summary>Writes a line to the child's standard input.</summary>
    public async Task SendAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>Kills the child with SIGKILL and waits until its output is fully read.</summary>
    public async Task KillAsync()
    {
        try
        {
            _process.Kill(entireProcessTree: false);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }

        await _process.WaitForExitAsync();
        await _reader;
    }

    /// <summary>Waits for the child to exit and its output to be read; returns the exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
            throw new TimeoutException($"test host {Id} did not exit within {timeout}");
        }

        await _reader;
        return _process.ExitCode;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill();
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }

    private async Task ReadAllAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            lock (_lines) _lines.Add(line);
            if (line == "ready") _ready.TrySetResult();
        }

        _ready.TrySetException(new InvalidOperationException("test host exited before it was ready"));
    }
}

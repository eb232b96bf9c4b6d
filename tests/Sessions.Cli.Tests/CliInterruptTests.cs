using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Sessions.Cli.Tests;

/// <summary>Ctrl+C (SIGINT) during a streamed reply cancels that reply, stores no half reply, and keeps the loop.</summary>
[NonParallelizable]
public sealed class CliInterruptTests
{
    [Test]
    public async Task Interrupt_DuringReply_CancelsOnlyThatReply_AndTheLoopContinues()
    {
        string store = Directory.CreateTempSubdirectory("sessions-cli-").FullName;
        await using var server = new FakeOpenAIServer();
        try
        {
            var start = new ProcessStartInfo
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                StandardOutputEncoding = Encoding.UTF8,
            };
            CliRunner.StartTool(start);
            foreach (var a in new[] { "chat", "-i", "-s", "intr" }) start.ArgumentList.Add(a);
            start.Environment["SESSIONS_STORE"] = store;
            start.Environment["OPENAI_BASE_URL"] = server.BaseUrl;
            start.Environment["OPENAI_API_KEY"] = "sk-test";
            using var process = Process.Start(start)!;
            var output = new StringBuilder();
            var firstWord = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var reader = Task.Run(async () =>
            {
                var buffer = new char[256];
                int n;
                while ((n = await process.StandardOutput.ReadAsync(buffer)) > 0)
                {
                    lock (output)
                    {
                        output.Append(buffer, 0, n);
                        if (output.ToString().Contains("echo:", StringComparison.Ordinal)) firstWord.TrySetResult();
                    }
                }
            });
            var errors = process.StandardError.ReadToEndAsync();

            await process.StandardInput.WriteLineAsync("[slow] one two three four five six seven eight nine ten");
            await process.StandardInput.FlushAsync();
            await firstWord.Task.WaitAsync(TimeSpan.FromSeconds(30));
            using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
            {
                await kill.WaitForExitAsync();
            }

            await process.StandardInput.WriteLineAsync("after the interrupt");
            await process.StandardInput.WriteLineAsync("/exit");
            await process.StandardInput.FlushAsync();
            process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);
            await reader;
            string err = await errors;

            Assert.That(process.ExitCode, Is.Zero, output + "\n" + err);
            Assert.Multiple(() =>
            {
                Assert.That(err, Does.Contain("Reply cancelled"));
                Assert.That(output.ToString(), Does.Not.Contain("ten"), "the slow reply stopped");
                Assert.That(output.ToString(), Does.Contain("echo: after the interrupt"), "the loop went on");
            });

            var cli = new CliRunner(store);
            var shown = await cli.RunAsync("show", "intr", "--format", "json");
            var messages = JsonDocument.Parse(shown.Out).RootElement.GetProperty("messages").EnumerateArray()
                .Select(m => (m.GetProperty("role").GetString(), m.GetProperty("text").GetString())).ToList();
            Assert.That(messages.Where(m => m.Item1 == "assistant").Select(m => m.Item2), Is.EqualTo(new[] { "echo: after the interrupt" }), "no half reply stored");
        }
        finally
        {
            Directory.Delete(store, recursive: true);
        }
    }
}

using System.Diagnostics;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk.TestHost;

/// <summary>
/// <c>file-append &lt;root&gt; &lt;session&gt; &lt;writer&gt; &lt;count&gt; &lt;go-file&gt;</c>: waits until the go file exists, then appends
/// <c>count</c> messages <c>w{writer}-{i}</c> one at a time to one session, and prints <c>done {count}</c>. An optional sixth
/// argument <c>managed</c> makes the store take the portable managed path instead of the Linux fast path.
/// </summary>
internal sealed class FileAppendCommand : ITestHostCommand
{
    public string Name => "file-append";

    public async Task<int> RunAsync(string[] args)
    {
        string root = args[0], session = args[1], writer = args[2], goFile = args[4];
        int count = int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture);
        var storage = FileStorageHost.Build(root, managed: args.Length > 5 && args[5] == "managed");
        await storage.ExistsAsync(session);
        Console.Out.WriteLine("ready");
        Console.Out.Flush();
        var wait = Stopwatch.StartNew();
        while (!File.Exists(goFile))
        {
            if (wait.Elapsed > TimeSpan.FromSeconds(60)) return 2;
            Thread.Sleep(1);
        }

        for (int i = 0; i < count; i++)
        {
            var message = new SessionMessage
            {
                Message = new ChatMessage(i % 2 == 0 ? ChatRole.User : ChatRole.Assistant, $"w{writer}-{i}"),
                Timestamp = DateTimeOffset.UnixEpoch.AddSeconds(i),
            };
            await storage.AppendMessagesAsync(session, [message]);
        }

        (storage as IDisposable)?.Dispose();
        Console.Out.WriteLine($"done {count}");
        Console.Out.Flush();
        return 0;
    }
}

using System.Globalization;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk.TestHost;

/// <summary>Appends numbered messages to one SQLite session, printing <c>ack {i} {seq}</c> after each returned append.</summary>
/// <remarks>Arguments: database path, session id, count, writer name. Messages read <c>{writer}:{i}</c>. Used by the multi-process tests.</remarks>
internal sealed class SqliteAppendCommand : ITestHostCommand
{
    public string Name => "sqlite-append";

    public async Task<int> RunAsync(string[] args)
    {
        if (args.Length != 4)
        {
            await Console.Error.WriteLineAsync("usage: sqlite-append <database> <session-id> <count> <writer>");
            return 64;
        }

        string database = args[0], sessionId = args[1], writer = args[3];
        int count = int.Parse(args[2], CultureInfo.InvariantCulture);
        var storage = SqliteHostStorage.Create(database);
        try
        {
            // A start line lets the parent release every writer at once.
            Console.Out.WriteLine("ready");
            string? go = await Console.In.ReadLineAsync();
            if (go != "go") return 65;
            for (int i = 0; i < count; i++)
            {
                var appended = await storage.AppendMessagesAsync(sessionId, [SqliteHostStorage.Text(ChatRole.User, $"{writer}:{i}")]);
                Console.Out.WriteLine($"ack {i} {appended[0].Sequence}");
            }

            Console.Out.WriteLine("done");
            return 0;
        }
        catch (Exception ex)
        {
            await Console.Error.WriteLineAsync(ex.ToString());
            Console.Out.WriteLine("error " + ex.GetType().Name);
            return 1;
        }
        finally
        {
            (storage as IDisposable)?.Dispose();
        }
    }
}

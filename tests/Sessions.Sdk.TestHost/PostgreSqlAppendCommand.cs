using System.Globalization;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk.TestHost;

/// <summary>Appends numbered messages to one PostgreSQL session, printing <c>ack {i} {seq}</c> after each returned append.</summary>
/// <remarks>
/// Arguments: schema, session id, count, writer name; the connection string comes from SESSIONS_TEST_POSTGRES.
/// Prints <c>ready</c> once the schema is prepared, waits for <c>go</c> on standard input, then appends; messages read <c>{writer}:{i}</c>.
/// </remarks>
internal sealed class PostgreSqlAppendCommand : ITestHostCommand
{
    public string Name => "postgresql-append";

    public async Task<int> RunAsync(string[] args)
    {
        if (args.Length != 4)
        {
            await Console.Error.WriteLineAsync("usage: postgresql-append <schema> <session-id> <count> <writer>");
            return 64;
        }

        string schema = args[0], sessionId = args[1], writer = args[3];
        int count = int.Parse(args[2], CultureInfo.InvariantCulture);
        var storage = PostgreSqlHostStorage.Create(schema);
        try
        {
            // Touch the store first so schema preparation and the first connection are not part of the race.
            if (!await storage.ExistsAsync(sessionId)) throw new InvalidOperationException($"session {sessionId} does not exist");
            Console.Out.WriteLine("ready");
            string? go = await Console.In.ReadLineAsync();
            if (go != "go") return 65;
            for (int i = 0; i < count; i++)
            {
                var appended = await storage.AppendMessagesAsync(sessionId, [PostgreSqlHostStorage.Text(i % 2 == 0 ? ChatRole.User : ChatRole.Assistant, $"{writer}:{i}")]);
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
            if (storage is IAsyncDisposable disposable) await disposable.DisposeAsync();
        }
    }
}

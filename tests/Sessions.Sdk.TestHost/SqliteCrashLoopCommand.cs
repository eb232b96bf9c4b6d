using System.Globalization;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk.TestHost;

/// <summary>Writes to a SQLite database in an endless loop until killed, acknowledging each returned write on standard output.</summary>
/// <remarks>
/// Arguments: database path, main session id, scratch session id, round tag, seed. Each step is one of:
/// append 1-3 messages to the main session (<c>A {text}</c> per message), update its title (<c>U {version}</c>),
/// replace all messages of the scratch session with generation g of g%5+1 messages (<c>R {g}</c>), or create and
/// delete a throwaway session (<c>D {id}</c>). The parent kills the process at a random moment and checks the database.
/// </remarks>
internal sealed class SqliteCrashLoopCommand : ITestHostCommand
{
    public string Name => "sqlite-crash-loop";

    public async Task<int> RunAsync(string[] args)
    {
        if (args.Length != 5)
        {
            await Console.Error.WriteLineAsync("usage: sqlite-crash-loop <database> <session-id> <scratch-id> <round> <seed>");
            return 64;
        }

        string database = args[0], sessionId = args[1], scratchId = args[2], round = args[3];
        var random = new Random(int.Parse(args[4], CultureInfo.InvariantCulture));
        var storage = SqliteHostStorage.Create(database);
        var scratch = await storage.GetAsync(scratchId);
        long generation = scratch is null ? 0 : long.Parse(scratch.Title, CultureInfo.InvariantCulture);
        Console.Out.WriteLine("ready");
        for (int step = 0; ; step++)
        {
            int choice = random.Next(10);
            if (choice < 6)
            {
                int batch = random.Next(1, 4);
                var messages = new SessionMessage[batch];
                for (int i = 0; i < batch; i++)
                {
                    messages[i] = SqliteHostStorage.Text(i % 2 == 0 ? ChatRole.User : ChatRole.Assistant, $"{round}-{step}-{i} " + new string('x', random.Next(0, 600)));
                }

                await storage.AppendMessagesAsync(sessionId, messages);
                foreach (var m in messages) Console.Out.WriteLine("A " + m.Text.Split(' ')[0]);
            }
            else if (choice < 7)
            {
                var info = await storage.GetAsync(sessionId) ?? throw new InvalidOperationException("main session vanished");
                var updated = await storage.UpdateAsync(info with { Title = $"title {round}-{step}" });
                Console.Out.WriteLine("U " + updated.Version.ToString(CultureInfo.InvariantCulture));
            }
            else if (choice < 9)
            {
                var info = await storage.GetAsync(scratchId) ?? throw new InvalidOperationException("scratch session vanished");
                long next = generation + 1;
                var messages = Enumerable.Range(0, (int)(next % 5) + 1)
                    .Select(i => SqliteHostStorage.Text(ChatRole.User, $"gen{next}-{i} " + new string('y', random.Next(0, 800))))
                    .ToArray();
                await storage.ReplaceMessagesAsync(scratchId, messages, info.Version);
                await storage.UpdateAsync((await storage.GetAsync(scratchId))! with { Title = next.ToString(CultureInfo.InvariantCulture) });
                generation = next;
                Console.Out.WriteLine("R " + next.ToString(CultureInfo.InvariantCulture));
            }
            else
            {
                string id = $"tmp-{round}-{step}";
                await storage.CreateAsync(new SessionInfo { Id = id, Title = "throwaway", CreatedAt = TimeProvider.System.GetUtcNow(), UpdatedAt = TimeProvider.System.GetUtcNow() }, [SqliteHostStorage.Text(ChatRole.User, "bye")]);
                await storage.DeleteAsync(id);
                Console.Out.WriteLine("D " + id);
            }
        }
    }
}

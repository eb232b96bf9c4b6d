using Microsoft.Extensions.AI;

namespace Sessions.Sdk.TestHost;

/// <summary>
/// <c>file-crash &lt;root&gt; &lt;run&gt; &lt;seed&gt;</c>: runs random operations (append, create, branch, replace, update, delete) on
/// sessions <c>c0</c>..<c>c3</c> until killed. Before each operation it prints <c>I {op}</c>, after it returned <c>A {op}</c>, where
/// op is <c>append {id} {text}</c>, <c>create {id}</c>, <c>branch {src} {dst}</c>, <c>replace {id} {keep}</c>,
/// <c>title {id} {title}</c> or <c>delete {id}</c>. The parent kills it at random moments and checks the files.
/// </summary>
internal sealed class FileCrashCommand : ITestHostCommand
{
    private static readonly string[] Sessions = ["c0", "c1", "c2", "c3"];

    public string Name => "file-crash";

    public async Task<int> RunAsync(string[] args)
    {
        string root = args[0], run = args[1];
        var random = new Random(int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture));
        var storage = FileStorageHost.Build(root);
        var output = Console.Out;
        for (int op = 0; ; op++)
        {
            string id = Sessions[random.Next(Sessions.Length)];
            var info = await storage.GetAsync(id);
            int dice = random.Next(100);
            string text = $"r{run}-{op}";
            if (info is null)
            {
                var source = Sessions[random.Next(Sessions.Length)];
                var sourceInfo = source == id ? null : await storage.GetAsync(source);
                if (sourceInfo is not null && dice < 50)
                {
                    Say(output, "I", $"branch {source} {id}");
                    var messages = await storage.GetMessagesAsync(source, MessageRange.All);
                    await storage.CreateAsync(new SessionInfo { Id = id, ParentSessionId = source, CreatedAt = DateTimeOffset.UnixEpoch, UpdatedAt = DateTimeOffset.UnixEpoch }, messages);
                    Say(output, "A", $"branch {source} {id}");
                }
                else
                {
                    Say(output, "I", $"create {id}");
                    await storage.CreateAsync(new SessionInfo { Id = id, CreatedAt = DateTimeOffset.UnixEpoch, UpdatedAt = DateTimeOffset.UnixEpoch }, []);
                    Say(output, "A", $"create {id}");
                }
            }
            else if (dice < 80)
            {
                Say(output, "I", $"append {id} {text}");
                await storage.AppendMessagesAsync(id, [new SessionMessage { Message = new ChatMessage(ChatRole.User, text), Timestamp = DateTimeOffset.UnixEpoch }]);
                Say(output, "A", $"append {id} {text}");
            }
            else if (dice < 88)
            {
                int keep = random.Next((int)info.MessageCount + 1);
                Say(output, "I", $"replace {id} {keep}");
                var messages = await storage.GetMessagesAsync(id, MessageRange.Last(keep));
                await storage.ReplaceMessagesAsync(id, messages, info.Version);
                Say(output, "A", $"replace {id} {keep}");
            }
            else if (dice < 95)
            {
                Say(output, "I", $"title {id} {text}");
                await storage.UpdateAsync(info with { Title = text });
                Say(output, "A", $"title {id} {text}");
            }
            else
            {
                Say(output, "I", $"delete {id}");
                await storage.DeleteAsync(id);
                Say(output, "A", $"delete {id}");
            }
        }
    }

    private static void Say(TextWriter output, string kind, string op)
    {
        output.Write(kind + " " + op + "\n");
        output.Flush();
    }
}

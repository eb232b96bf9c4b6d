using System.CommandLine;
using System.Globalization;
using Sessions.Sdk;

namespace Sessions.Cli;

internal static partial class Cli
{
    private static async Task<bool> DeleteOneAsync(CliHost host, string id, bool permanent, CancellationToken ct)
    {
        if (!permanent)
        {
            throw new CliException("This version of the store has no trash yet; pass --permanent to delete for good.", CliExitCode.Usage);
        }

        return await host.Sessions.DeleteAsync(id, ct);
    }

    private static async Task<int> WriteStoreStatisticsAsync(Terminal terminal, CliHost host, bool json, CancellationToken ct)
    {
        long sessions = 0, messages = 0, bytes = 0;
        var usage = SessionUsage.Empty;
        await foreach (var info in host.Sessions.ListAsync(SessionQuery.All, ct))
        {
            sessions++;
            messages += info.MessageCount;
            bytes += info.SizeBytes;
            usage = usage.Add(info.Usage);
        }

        if (json)
        {
            Render.Json(terminal.Out, w =>
            {
                w.WriteStartObject();
                w.WriteNumber("sessionCount", sessions);
                w.WriteNumber("messageCount", messages);
                w.WriteNumber("sizeBytes", bytes);
                w.WritePropertyName("usage");
                Render.WriteUsage(w, usage);
                w.WriteEndObject();
            });
        }
        else
        {
            WriteRows(terminal, [
                ("sessions", sessions.ToString(CultureInfo.InvariantCulture)),
                ("messages", messages.ToString(CultureInfo.InvariantCulture)),
                ("tokens", Render.Tokens(usage.TotalTokens)),
                ("cost", Render.Money(usage)),
                ("size", $"{bytes / 1024.0:0.#} KiB"),
            ]);
        }

        return 0;
    }
}

internal static partial class Cli
{
    private static async Task ExportSessionMarkdownAsync(Terminal terminal, CliHost host, Session session, string? file, CancellationToken ct)
    {
        _ = host;
        var writer = file is null ? terminal.Out : new StreamWriter(file, append: false, new System.Text.UTF8Encoding(false));
        try
        {
            await writer.WriteLineAsync($"# {session.Title ?? session.Id}");
            await writer.WriteLineAsync();
            int skip = 0;
            while (true)
            {
                var page = await session.GetMessagesAsync(new MessageRange(skip, 500), ct);
                foreach (var m in page) await writer.WriteLineAsync(Render.MessageText(m, markdown: true));
                if (page.Count < 500) break;
                skip += page.Count;
            }
        }
        finally
        {
            if (file is not null)
            {
                await writer.DisposeAsync();
                terminal.Out.WriteLine($"Exported {session.Id} to {file}.");
            }
        }
    }
}

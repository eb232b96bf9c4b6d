using System.CommandLine;
using System.Globalization;
using Sessions.Sdk;

namespace Sessions.Cli;

internal static partial class Cli
{
    private static async Task<bool> DeleteOneAsync(CliHost host, string id, bool permanent, CancellationToken ct)
    {
        // Without --permanent: to the trash (restorable); a store without a trash refuses (NotSupportedException), deleting nothing.
        return permanent ? await host.Sessions.DeleteAsync(id, permanent: true, ct) : await host.Sessions.DeleteAsync(id, ct);
    }

    private static async Task<int> WriteStoreStatisticsAsync(Terminal terminal, CliHost host, bool json, CancellationToken ct)
    {
        var st = await host.Sessions.GetStatisticsAsync(SessionQuery.All, 5, ct);
        if (json)
        {
            Render.Json(terminal.Out, w =>
            {
                w.WriteStartObject();
                w.WriteNumber("sessionCount", st.Sessions);
                w.WriteNumber("messageCount", st.Messages);
                w.WriteNumber("sizeBytes", st.SizeBytes);
                w.WritePropertyName("usage");
                Render.WriteUsage(w, st.Usage);
                w.WriteStartArray("byProviderAndModel");
                foreach (var g in st.ByProviderAndModel)
                {
                    w.WriteStartObject();
                    w.WriteString("provider", g.ProviderName);
                    w.WriteString("model", g.ModelId);
                    w.WriteNumber("sessions", g.Sessions);
                    w.WriteNumber("messages", g.Messages);
                    w.WritePropertyName("usage");
                    Render.WriteUsage(w, g.Usage);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteStartArray("mostActive");
                foreach (var s in st.MostActive) w.WriteStringValue(s.Id);
                w.WriteEndArray();
                w.WriteEndObject();
            });
        }
        else
        {
            var rows = new List<(string, string)>
            {
                ("sessions", st.Sessions.ToString(CultureInfo.InvariantCulture)),
                ("messages", st.Messages.ToString(CultureInfo.InvariantCulture)),
                ("tokens", Render.Tokens(st.Usage.TotalTokens)),
                ("cost", Render.Money(st.Usage)),
                ("size", $"{st.SizeBytes / 1024.0:0.#} KiB"),
            };
            rows.AddRange(st.ByProviderAndModel.Select(g => ($"{g.ProviderName ?? "-"}/{g.ModelId ?? "-"}", $"{g.Sessions} sessions, {g.Messages} messages, {Render.Tokens(g.Usage.TotalTokens)} tokens")));
            if (st.MostActive.Count > 0) rows.Add(("most active", string.Join(", ", st.MostActive.Select(s => s.Id))));
            WriteRows(terminal, rows);
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

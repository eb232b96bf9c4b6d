using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.AI;
using Sessions.Sdk;

namespace Sessions.Cli;

/// <summary>Output formats of the listing and reading commands.</summary>
internal enum OutputFormat
{
    Table,
    Json,
    Markdown,
    Text,
}

/// <summary>Writes sessions, messages and figures as tables (people) or JSON with stable field names (scripts).</summary>
internal static class Render
{
    /// <summary>Tool-call arguments as JSON through the M.E.AI options' own (source-generated) metadata: trim- and AOT-safe.</summary>
    private static JsonTypeInfo<IDictionary<string, object?>> ArgumentsJson => ArgumentsJsonHolder.Value;

    /// <summary>Initialised on first use only, so a listing never builds the M.E.AI serializer options.</summary>
    private static class ArgumentsJsonHolder
    {
        public static readonly JsonTypeInfo<IDictionary<string, object?>> Value =
            (JsonTypeInfo<IDictionary<string, object?>>)AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(IDictionary<string, object?>));
    }

    private static readonly JsonWriterOptions Indented = new() { Indented = true, Encoder = JsonOutputEncoder.Instance };

    public static string Money(SessionUsage usage) => usage.UnpricedRequests > 0
        ? (usage.Cost == 0 ? "unknown" : usage.Cost.ToString("$0.0000", CultureInfo.InvariantCulture) + "+unknown")
            + $" ({usage.UnpricedRequests.ToString(CultureInfo.InvariantCulture)} unpriced)"
        : usage.Cost.ToString("$0.0000", CultureInfo.InvariantCulture);

    public static string Tokens(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>Shortens ids for a table only where the shortened form stays unambiguous among the ids shown.</summary>
    public static Func<string, string> IdShortener(IReadOnlyCollection<string> ids, int max = 24)
    {
        return id =>
        {
            if (id.Length <= max) return id;
            for (int length = 12; length < id.Length; length++)
            {
                string prefix = id[..length];
                if (ids.Count(o => o.StartsWith(prefix, StringComparison.Ordinal)) == 1)
                {
                    return prefix + "…";
                }
            }

            return id;
        };
    }

    public static void SessionsTable(Terminal terminal, IReadOnlyList<SessionInfo> sessions, DateTimeOffset now)
    {
        if (sessions.Count == 0)
        {
            terminal.WriteInfo("No sessions.");
            return;
        }

        var shorten = IdShortener(sessions.Select(s => s.Id).ToList());
        var table = new TextTable("ID", "Title", "Kind", "Messages", "Tokens", "Cost", "Updated", "Tags").AlignRight(3, 4, 5);
        foreach (var s in sessions)
        {
            table.AddRow(
                shorten(s.Id),
                s.Title,
                s.Kind.Value,
                s.MessageCount.ToString(CultureInfo.InvariantCulture),
                Tokens(s.Usage.TotalTokens),
                Money(s.Usage),
                Terminal.Relative(s.UpdatedAt, now),
                string.Join(", ", s.Tags));
        }

        table.Write(terminal.Out, terminal.Color);
    }

    /// <summary>Writes one session as JSON into memory: the warm-up thread's share of a listing, whose first JSON costs a new
    /// process several milliseconds of type loading and binding on the main thread otherwise.</summary>
    internal static void WarmUpJson()
    {
        using var stream = new MemoryStream();
        using var writer = new Utf8JsonWriter(stream, Indented);
        writer.WriteStartArray();
        WriteSession(writer, new SessionInfo { Id = "warm-up", Title = "warm-up", CreatedAt = DateTimeOffset.UnixEpoch, UpdatedAt = DateTimeOffset.UnixEpoch });
        writer.WriteEndArray();
    }

    public static void WriteSession(Utf8JsonWriter w, SessionInfo s)
    {
        w.WriteStartObject();
        w.WriteString("id", s.Id);
        w.WriteString("title", s.Title);
        w.WriteString("kind", s.Kind.Value);
        w.WriteStartArray("tags");
        foreach (var t in s.Tags) w.WriteStringValue(t);
        w.WriteEndArray();
        w.WriteStartObject("metadata");
        if (s.Metadata.Count > 0)
        {
            // Sorted keys without LINQ's ordering over key-value pairs (generic code a new process would JIT-compile first).
            var keys = new string[s.Metadata.Count];
            int n = 0;
            foreach (var key in s.Metadata.Keys) keys[n++] = key;
            Array.Sort(keys, StringComparer.Ordinal);
            foreach (var key in keys) w.WriteString(key, s.Metadata[key]);
        }

        w.WriteEndObject();
        w.WriteString("provider", s.ProviderName);
        w.WriteString("model", s.ModelId);
        w.WriteString("systemPrompt", s.SystemPrompt);
        w.WriteString("createdAt", s.CreatedAt);
        w.WriteString("updatedAt", s.UpdatedAt);
        w.WriteNumber("messageCount", s.MessageCount);
        w.WriteNumber("sizeBytes", s.SizeBytes);
        w.WritePropertyName("usage");
        WriteUsage(w, s.Usage);
        if (s.ParentSessionId is not null) w.WriteString("parentSessionId", s.ParentSessionId);
        if (s.BranchedAtSequence is { } at) w.WriteNumber("branchedAtSequence", at);
        w.WriteEndObject();
    }

    public static void WriteUsage(Utf8JsonWriter w, SessionUsage u)
    {
        w.WriteStartObject();
        w.WriteNumber("inputTokens", u.InputTokens);
        w.WriteNumber("outputTokens", u.OutputTokens);
        w.WriteNumber("totalTokens", u.TotalTokens);
        w.WriteNumber("cost", u.Cost);
        w.WriteNumber("requests", u.Requests);
        w.WriteNumber("unpricedRequests", u.UnpricedRequests);
        w.WriteBoolean("costKnown", u.UnpricedRequests == 0);
        w.WriteEndObject();
    }

    public static void WriteMessage(Utf8JsonWriter w, SessionMessage m)
    {
        w.WriteStartObject();
        w.WriteNumber("sequence", m.Sequence);
        w.WriteString("role", m.Role.Value);
        w.WriteString("timestamp", m.Timestamp);
        w.WriteString("text", m.Text);
        if (m.ProviderName is not null) w.WriteString("provider", m.ProviderName);
        if (m.ModelId is not null) w.WriteString("model", m.ModelId);
        if (m.Usage is { } u)
        {
            w.WritePropertyName("usage");
            WriteUsage(w, u);
        }

        if (m.Latency is { } l) w.WriteNumber("latencyMs", Math.Round(l.TotalMilliseconds, 1));
        if (m.Pinned) w.WriteBoolean("pinned", true);
        var calls = m.Message.Contents.OfType<FunctionCallContent>().ToList();
        if (calls.Count > 0)
        {
            w.WriteStartArray("toolCalls");
            foreach (var c in calls)
            {
                w.WriteStartObject();
                w.WriteString("id", c.CallId);
                w.WriteString("name", c.Name);
                w.WriteString("arguments", c.Arguments is null ? null : JsonSerializer.Serialize(c.Arguments, ArgumentsJson));
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        var results = m.Message.Contents.OfType<FunctionResultContent>().ToList();
        if (results.Count > 0)
        {
            w.WriteStartArray("toolResults");
            foreach (var r in results)
            {
                w.WriteStartObject();
                w.WriteString("id", r.CallId);
                w.WriteString("result", r.Result?.ToString());
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        w.WriteEndObject();
    }

    public static void Json(TextWriter output, Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, Indented))
        {
            write(writer);
        }

        output.WriteLine(Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length));
    }

    /// <summary>A message as readable text: role, time, model and tokens, then the content (tool calls shown).</summary>
    public static string MessageText(SessionMessage m, bool markdown)
    {
        var sb = new StringBuilder();
        string header = $"{m.Role.Value} · #{m.Sequence} · {m.Timestamp.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}";
        if (m.ModelId is not null) header += $" · {m.ModelId}";
        if (m.Usage is { TotalTokens: > 0 } u) header += $" · {Tokens(u.TotalTokens)} tokens";
        sb.AppendLine(markdown ? $"### {header}" : $"[{header}]");
        if (markdown) sb.AppendLine();
        foreach (var content in m.Message.Contents)
        {
            switch (content)
            {
                case TextContent t when t.Text.Length > 0:
                    sb.AppendLine(t.Text);
                    break;
                case FunctionCallContent c:
                    sb.AppendLine(CultureInfo.InvariantCulture, $"→ tool call {c.Name}({(c.Arguments is null ? "" : JsonSerializer.Serialize(c.Arguments, ArgumentsJson))})");
                    break;
                case FunctionResultContent r:
                    sb.AppendLine(CultureInfo.InvariantCulture, $"← tool result: {r.Result}");
                    break;
                case SessionStateContent s:
                    sb.AppendLine(CultureInfo.InvariantCulture, $"(state {s.StateType} {s.EventName})");
                    break;
                case DataContent d:
                    sb.AppendLine(CultureInfo.InvariantCulture, $"[{d.MediaType}, {d.Data.Length} bytes]");
                    break;
            }
        }

        return sb.ToString();
    }
}

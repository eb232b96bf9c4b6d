using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>Writes readable transcripts (Markdown, plain text, HTML) one message at a time.</summary>
internal abstract class ExportTranscript : IAsyncDisposable
{
    private static readonly JsonSerializerOptions CompactJson = CreateCompactJson();
    private int _pending;

    protected ExportTranscript(Stream stream)
    {
        Writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 16 * 1024, leaveOpen: true) { NewLine = "\n" };
    }

    protected StreamWriter Writer { get; }

    public static ExportTranscript Create(SessionExportFormat format, Stream stream) => format switch
    {
        SessionExportFormat.Markdown => new MarkdownTranscript(stream),
        SessionExportFormat.Text => new TextTranscript(stream),
        SessionExportFormat.Html => new HtmlTranscript(stream),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Json exports are written with SessionFormatWriter."),
    };

    public virtual void Start(string title)
    {
    }

    public abstract void StartSession(SessionInfo info, bool first);

    public abstract void WriteMessage(SessionMessage message);

    public virtual void EndSession()
    {
    }

    public virtual void Complete()
    {
    }

    public async ValueTask FlushIfNeededAsync(CancellationToken cancellationToken)
    {
        if (++_pending >= 64 || Writer.BaseStream.CanSeek is false && _pending >= 16)
        {
            _pending = 0;
            await Writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await Writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        await Writer.BaseStream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await Writer.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    protected static string Time(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    protected static string RoleName(ChatRole role)
    {
        string value = role.Value;
        if (value.Length == 0) return "Unknown";
        return char.ToUpperInvariant(value[0]) + value[1..];
    }

    protected static string MessageHeading(SessionMessage message)
    {
        var text = new StringBuilder(RoleName(message.Role)).Append(" · ").Append(Time(message.Timestamp));
        if (message.ModelId is { } model) text.Append(" · ").Append(model);
        if (message.Usage is { TotalTokens: > 0 } usage) text.Append(" · ").Append(usage.TotalTokens.ToString("N0", CultureInfo.InvariantCulture)).Append(" tokens");
        if (message.Usage is { UnpricedRequests: > 0 }) text.Append(" · cost unknown");
        if (message.Pinned) text.Append(" · pinned");
        return text.ToString();
    }

    protected static IEnumerable<(string Key, string Value)> Facts(SessionInfo info)
    {
        yield return ("ID", info.Id);
        yield return ("Created", Time(info.CreatedAt));
        yield return ("Last Updated", Time(info.UpdatedAt));
        if (info.Kind != SessionKind.Chat) yield return ("Kind", info.Kind.Value);
        if (info.ProviderName is { } provider) yield return ("Provider", provider);
        if (info.ModelId is { } model) yield return ("Model", model);
        if (info.Tags.Count > 0) yield return ("Tags", string.Join(", ", info.Tags));
        foreach (var pair in info.Metadata.OrderBy(p => p.Key, StringComparer.Ordinal)) yield return ("Metadata " + pair.Key, pair.Value);
        if (info.ParentSessionId is { } parent) yield return ("Branched from", parent + (info.BranchedAtSequence is { } at ? " at message " + at.ToString(CultureInfo.InvariantCulture) : string.Empty));
        yield return ("Messages", info.MessageCount.ToString(CultureInfo.InvariantCulture));
        if (info.Usage.TotalTokens > 0 || info.Usage.Cost > 0 || info.Usage.UnpricedRequests > 0)
        {
            yield return ("Usage", string.Create(CultureInfo.InvariantCulture, $"{info.Usage.TotalTokens:N0} tokens, {CostText(info.Usage)}, {info.Usage.Requests} requests"));
        }
    }

    /// <summary>Describes a usage's cost without ever passing an unknown price off as zero.</summary>
    /// <returns><c>0.0042 cost</c>; <c>cost unknown for 3 requests</c> when no request was priced; <c>0.0042 cost + unknown for 1 request</c> when some were.</returns>
    internal static string CostText(SessionUsage usage)
    {
        if (usage.UnpricedRequests <= 0) return string.Create(CultureInfo.InvariantCulture, $"{usage.Cost} cost");
        string unknown = string.Create(CultureInfo.InvariantCulture, $"unknown for {usage.UnpricedRequests} request{(usage.UnpricedRequests == 1 ? string.Empty : "s")}");
        return usage.Cost == 0 && usage.UnpricedRequests >= usage.Requests
            ? "cost " + unknown
            : string.Create(CultureInfo.InvariantCulture, $"{usage.Cost} cost + {unknown}");
    }

    /// <summary>Describes one content item as a kind and a body; the body is text to show (already plain, not escaped).</summary>
    protected static (string Kind, string Body) Describe(AIContent content) => content switch
    {
        TextContent t => ("text", t.Text ?? string.Empty),
        TextReasoningContent r => ("reasoning", r.Text ?? string.Empty),
        FunctionCallContent call => ("tool call", $"{call.Name}({Json(call.Arguments)}) [{call.CallId}]"),
        FunctionResultContent result => ("tool result", $"[{result.CallId}] {ResultText(result.Result)}"),
        DataContent data => ("data", $"{data.MediaType}, {data.Data.Length.ToString(CultureInfo.InvariantCulture)} bytes{(data.Name is { } n ? ", " + n : string.Empty)}"),
        UriContent uri => ("link", $"{uri.Uri} ({uri.MediaType})"),
        ErrorContent error => ("error", error.Message ?? string.Empty),
        UsageContent => ("usage", string.Empty),
        SessionStateContent state => ("state", $"{state.StateType} {state.EventName} {state.Data.GetRawText()}"),
        _ => (content.GetType().Name, Json(content)),
    };

    private static JsonSerializerOptions CreateCompactJson()
    {
        var options = new JsonSerializerOptions(AIJsonUtilities.DefaultOptions) { WriteIndented = false };
        options.MakeReadOnly();
        return options;
    }

    private static string ResultText(object? result) => result switch
    {
        null => "null",
        string s => s,
        JsonElement e => e.ValueKind == JsonValueKind.String ? e.GetString() ?? string.Empty : e.GetRawText(),
        _ => Json(result),
    };

    private static string Json(object? value)
    {
        if (value is null) return string.Empty;
        try
        {
            // The options' resolver (trim- and AOT-safe): a type it does not know is NotSupportedException, shown as ToString().
            return JsonSerializer.Serialize(value, CompactJson.GetTypeInfo(value.GetType()));
        }
        catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException or JsonException)
        {
            return value.ToString() ?? string.Empty;
        }
    }
}

using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>Reads an import document in any supported format (detected from its shape) into sessions held in memory.</summary>
/// <remarks>
/// Supported: the Sessions.Sdk session format (session document or bundle, every shipped schema version); paracle session
/// JSON; ChannelCoder session state; AINative Code export (single and <c>--all</c>); Coda <c>export_session</c>; and a bare
/// OpenAI-style message list. Nothing is stored here: every error is a <see cref="SessionFormatException"/> naming the path
/// of the bad field, raised before the import touches storage.
/// </remarks>
internal static class ImportParser
{
    public const string SessionsSdk = "sessions.sdk";
    public const string Paracle = "paracle";
    public const string ChannelCoder = "channelcoder";
    public const string AINative = "ainative";
    public const string Coda = "coda";
    public const string OpenAI = "openai";

    private static readonly HashSet<string> KnownRoles = new(StringComparer.OrdinalIgnoreCase) { "system", "user", "assistant", "tool", "developer", "function" };

    public static async Task<List<ImportCandidate>> ParseAsync(Stream stream, DateTimeOffset now, CancellationToken cancellationToken)
    {
        byte[] bytes;
        int expected = 0;
        try
        {
            if (stream.CanSeek) expected = (int)Math.Clamp(stream.Length - stream.Position, 0, Array.MaxLength);
        }
        catch (NotSupportedException)
        {
        }

        // Sized to the document when the stream knows its length: no regrowth copies, and the buffer itself when it is filled exactly.
        using (var buffer = new MemoryStream(expected))
        {
            await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            bytes = buffer.Length == buffer.Capacity ? buffer.GetBuffer() : buffer.ToArray();
        }

        try
        {
            return IsSessionFormat(bytes)
                ? await ParseSessionFormatAsync(bytes, cancellationToken).ConfigureAwait(false)
                : ParseSeed(bytes, now);
        }
        catch (Exception ex) when (ex is not (SessionFormatException or OperationCanceledException or OutOfMemoryException))
        {
            // Whatever else a malformed document provokes while it is parsed (nothing is stored yet) is a format error.
            throw new SessionFormatException($"Invalid import document: {ex.Message}", null, ex);
        }
    }

    private static bool IsSessionFormat(byte[] bytes)
    {
        try
        {
            var span = bytes.AsSpan();
            if (span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) span = span[3..];
            var reader = new Utf8JsonReader(span, isFinalBlock: false, default);
            return reader.Read() && reader.TokenType == JsonTokenType.StartObject
                && reader.Read() && reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("format"u8)
                && reader.Read() && reader.TokenType == JsonTokenType.String && (reader.GetString() ?? string.Empty).StartsWith("sessions.sdk/", StringComparison.Ordinal);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static async Task<List<ImportCandidate>> ParseSessionFormatAsync(byte[] bytes, CancellationToken cancellationToken)
    {
        var result = new List<ImportCandidate>();
        using var stream = new MemoryStream(bytes, writable: false);
        var reader = await SessionFormatReader.OpenAsync(stream, leaveOpen: true, cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadSessionAsync(cancellationToken).ConfigureAwait(false) is { } info)
            {
                var messages = new List<SessionMessage>();
                await foreach (var message in reader.ReadMessagesAsync(cancellationToken).ConfigureAwait(false))
                {
                    messages.Add(message);
                }

                string path = reader.IsBundle ? $"sessions[{result.Count}]" : "$";
                result.Add(new ImportCandidate(info, messages, SessionsSdk, info.Id, path));
            }
        }

        return result;
    }

    private static List<ImportCandidate> ParseSeed(byte[] bytes, DateTimeOffset now)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = SessionFormatMaxDepth });
        }
        catch (JsonException ex)
        {
            throw Error("$", "not valid JSON (" + ex.Message + ")", ex);
        }

        using (document)
        {
            var root = document.RootElement;
            var result = new List<ImportCandidate>();
            if (root.ValueKind == JsonValueKind.Array)
            {
                if (root.GetArrayLength() == 0) throw Error("$", "the document is an empty list");
                var first = root[0];
                if (first.ValueKind == JsonValueKind.Object && first.TryGetProperty("role", out _))
                {
                    result.Add(ParseOpenAIList(root, now));
                }
                else
                {
                    int i = 0;
                    foreach (var item in root.EnumerateArray())
                    {
                        result.Add(ParseSeedSession(item, $"[{i++}]", now, inBundle: true));
                    }
                }
            }
            else if (root.ValueKind == JsonValueKind.Object)
            {
                if (root.TryGetProperty("messages", out _))
                {
                    result.Add(ParseSeedSession(root, string.Empty, now, inBundle: false));
                }
                else if (root.TryGetProperty("sessions", out var sessions))
                {
                    if (sessions.ValueKind != JsonValueKind.Array) throw Error("sessions", "expected an array of sessions");
                    int i = 0;
                    foreach (var item in sessions.EnumerateArray())
                    {
                        result.Add(ParseSeedSession(item, $"sessions[{i++}]", now, inBundle: true));
                    }
                }
                else if (root.TryGetProperty("format", out var format))
                {
                    throw Error("format", format.ValueKind == JsonValueKind.String
                        ? $"'{SessionInfoClip(format.GetString()!)}' is not a format this library reads ('format' must be the first property of a Sessions.Sdk document)"
                        : "expected a string");
                }
                else
                {
                    throw Error("$", "not a recognized session format: expected 'messages' (one session), 'sessions' (a bundle) or a Sessions.Sdk document");
                }
            }
            else
            {
                throw Error("$", "expected a JSON object or array");
            }

            return result;
        }
    }

    private const int SessionFormatMaxDepth = 64;

    private static ImportCandidate ParseSeedSession(JsonElement session, string prefix, DateTimeOffset now, bool inBundle)
    {
        string P(string name) => prefix.Length == 0 ? name : prefix + "." + name;
        if (session.ValueKind != JsonValueKind.Object) throw Error(prefix.Length == 0 ? "$" : prefix, "expected a session object");
        if (!session.TryGetProperty("messages", out _)) throw Error(P("messages"), "missing");
        session.TryGetProperty("metadata", out var metadata);
        if (metadata.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null or JsonValueKind.Object)) throw Error(P("metadata"), "expected an object");
        bool metaObject = metadata.ValueKind == JsonValueKind.Object;

        string format;
        if (session.TryGetProperty("sessionChain", out _) || (metaObject && metadata.TryGetProperty("lastActive", out _))) format = ChannelCoder;
        else if (session.TryGetProperty("title", out _)) format = AINative;
        else if (session.TryGetProperty("type", out _) || (metaObject && (metadata.TryGetProperty("total_tokens", out _) || metadata.TryGetProperty("total_cost", out _)))) format = Paracle;
        else if (session.TryGetProperty("name", out _) && !session.TryGetProperty("id", out _)) format = Coda;
        else if (session.TryGetProperty("id", out _) && session.TryGetProperty("created_at", out _)) format = Paracle;
        else format = inBundle ? AINative : OpenAI;

        var tags = new List<string>();
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        string? id, title = null, provider = OptionalString(session, "provider", P), model = OptionalString(session, "model", P);
        DateTimeOffset? created, updated;
        var kind = SessionKind.Chat;
        if (format == ChannelCoder)
        {
            id = OptionalString(session, "id", P);
            if (metaObject)
            {
                title = OptionalString(metadata, "name", n => P("metadata." + n));
                created = OptionalDate(metadata, "created", n => P("metadata." + n));
                updated = OptionalDate(metadata, "lastActive", n => P("metadata." + n));
            }
            else
            {
                created = updated = null;
            }

            id ??= title ?? OptionalString(session, "currentSessionId", P);
            if (session.TryGetProperty("sessionChain", out var chain))
            {
                if (chain.ValueKind != JsonValueKind.Array) throw Error(P("sessionChain"), "expected an array of session ids");
                var ids = new List<string>();
                int i = 0;
                foreach (var item in chain.EnumerateArray())
                {
                    ids.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : throw Error(P($"sessionChain[{i}]"), "expected a string"));
                    i++;
                }

                meta["channelcoder.sessionChain"] = string.Join(",", ids);
            }

            if (OptionalString(session, "currentSessionId", P) is { } current) meta["channelcoder.currentSessionId"] = current;
        }
        else
        {
            id = OptionalString(session, "id", P);
            if (format == Coda)
            {
                title = OptionalString(session, "name", P);
                id ??= title;
            }
            else
            {
                title = OptionalString(session, "title", P);
            }

            created = OptionalDate(session, "created_at", P);
            updated = OptionalDate(session, "updated_at", P);
            if (OptionalString(session, "type", P) is { } type && !string.IsNullOrWhiteSpace(type)) kind = new SessionKind(type.Trim());
            if (metaObject) CopyMetadata(metadata, P("metadata"), meta, tags, format);
        }

        var start = created ?? now;
        var messages = ParseMessages(session.GetProperty("messages"), P("messages"), start);
        created ??= messages.Count > 0 ? messages[0].Timestamp : now;
        var info = new SessionInfo
        {
            Id = id is not null && SessionIds.IsValid(id) ? id : "imported",
            Title = title ?? string.Empty,
            Kind = kind,
            Tags = tags,
            Metadata = meta,
            ProviderName = provider,
            ModelId = model,
            CreatedAt = created.Value,
            UpdatedAt = updated ?? created.Value,
        };
        return new ImportCandidate(info, messages, format, id, prefix.Length == 0 ? "$" : prefix);
    }

    private static ImportCandidate ParseOpenAIList(JsonElement list, DateTimeOffset now)
    {
        var messages = ParseMessages(list, string.Empty, now);
        var info = new SessionInfo { Id = "imported", CreatedAt = now, UpdatedAt = now };
        return new ImportCandidate(info, messages, OpenAI, null, "$");
    }

    private static void CopyMetadata(JsonElement metadata, string path, Dictionary<string, string> meta, List<string> tags, string format)
    {
        foreach (var property in metadata.EnumerateObject())
        {
            if (property.NameEquals("tags") && property.Value.ValueKind == JsonValueKind.Array)
            {
                int i = 0;
                foreach (var tag in property.Value.EnumerateArray())
                {
                    if (tag.ValueKind != JsonValueKind.String) throw Error($"{path}.tags[{i}]", "expected a string");
                    var value = tag.GetString()!.Trim();
                    if (value.Length > 0 && !tags.Contains(value, StringComparer.Ordinal)) tags.Add(value);
                    i++;
                }

                continue;
            }

            string key = format == Paracle ? "paracle." + property.Name : property.Name;
            switch (property.Value.ValueKind)
            {
                case JsonValueKind.Null:
                    break;
                case JsonValueKind.String:
                    meta[key] = property.Value.GetString()!;
                    break;
                default:
                    meta[key] = property.Value.GetRawText();
                    break;
            }
        }
    }

    private static List<SessionMessage> ParseMessages(JsonElement messages, string path, DateTimeOffset defaultTime)
    {
        string At(int i) => path.Length == 0 ? $"[{i}]" : $"{path}[{i}]";
        if (messages.ValueKind != JsonValueKind.Array) throw Error(path.Length == 0 ? "$" : path, "expected an array of messages");
        var result = new List<SessionMessage>();
        int index = 0;
        foreach (var item in messages.EnumerateArray())
        {
            result.Add(ParseMessage(item, At(index), defaultTime));
            index++;
        }

        return result;
    }

    private static SessionMessage ParseMessage(JsonElement message, string path, DateTimeOffset defaultTime)
    {
        string P(string name) => path + "." + name;
        if (message.ValueKind != JsonValueKind.Object) throw Error(path, "expected a message object");
        if (!message.TryGetProperty("role", out var roleElement)) throw Error(P("role"), "missing");
        if (roleElement.ValueKind != JsonValueKind.String) throw Error(P("role"), $"expected a string, found {roleElement.ValueKind}");
        string role = roleElement.GetString()!.Trim();
        if (!KnownRoles.Contains(role)) throw Error(P("role"), $"'{SessionInfoClip(role)}' is not a known role (system, user, assistant, tool, developer, function)");
        role = role.ToLowerInvariant();

        var contents = new List<AIContent>();
        bool hasContent = message.TryGetProperty("content", out var content);
        bool hasCalls = message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind != JsonValueKind.Null;
        if (!hasContent && !hasCalls) throw Error(P("content"), "missing");
        string? toolCallId = OptionalString(message, "tool_call_id", P);
        string text = hasContent ? ContentText(content, P("content"), contents) : string.Empty;
        if (role is "tool" or "function" && toolCallId is not null)
        {
            contents.Clear();
            contents.Add(new FunctionResultContent(toolCallId, text));
        }

        if (hasCalls) ParseToolCalls(calls, P("tool_calls"), contents);
        var chat = new ChatMessage(new ChatRole(role), contents);
        if (OptionalString(message, "name", P) is { Length: > 0 } name) chat.AuthorName = name;
        return new SessionMessage
        {
            Message = chat,
            Timestamp = OptionalDate(message, "timestamp", P) ?? defaultTime,
            ModelId = OptionalString(message, "model", P),
        };
    }

    private static string ContentText(JsonElement content, string path, List<AIContent> contents)
    {
        switch (content.ValueKind)
        {
            case JsonValueKind.Null:
                return string.Empty;
            case JsonValueKind.String:
                string text = content.GetString()!;
                contents.Add(new TextContent(text));
                return text;
            case JsonValueKind.Array:
                var all = new System.Text.StringBuilder();
                int i = 0;
                foreach (var part in content.EnumerateArray())
                {
                    string at = $"{path}[{i}]";
                    if (part.ValueKind == JsonValueKind.String)
                    {
                        contents.Add(new TextContent(part.GetString()));
                        all.Append(part.GetString());
                    }
                    else if (part.ValueKind == JsonValueKind.Object)
                    {
                        string? type = OptionalString(part, "type", n => at + "." + n);
                        if (type is not ("text" or "input_text" or "output_text")) throw Error(at + ".type", $"unsupported content part type '{SessionInfoClip(type ?? "(none)")}' (text parts are supported)");
                        if (!part.TryGetProperty("text", out var partText) || partText.ValueKind != JsonValueKind.String) throw Error(at + ".text", "expected a string");
                        contents.Add(new TextContent(partText.GetString()));
                        all.Append(partText.GetString());
                    }
                    else
                    {
                        throw Error(at, "expected a text part");
                    }

                    i++;
                }

                return all.ToString();
            default:
                throw Error(path, $"expected a string, null or a list of parts, found {content.ValueKind}");
        }
    }

    private static void ParseToolCalls(JsonElement calls, string path, List<AIContent> contents)
    {
        if (calls.ValueKind != JsonValueKind.Array) throw Error(path, "expected an array of tool calls");
        int i = 0;
        foreach (var call in calls.EnumerateArray())
        {
            string at = $"{path}[{i}]";
            if (call.ValueKind != JsonValueKind.Object) throw Error(at, "expected a tool call object");
            string callId = OptionalString(call, "id", n => at + "." + n) ?? throw Error(at + ".id", "missing");
            if (!call.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object) throw Error(at + ".function", "expected an object");
            string name = OptionalString(function, "name", n => at + ".function." + n) ?? throw Error(at + ".function.name", "missing");
            Dictionary<string, object?>? arguments = null;
            if (function.TryGetProperty("arguments", out var args) && args.ValueKind != JsonValueKind.Null)
            {
                arguments = [];
                JsonElement parsed;
                if (args.ValueKind == JsonValueKind.String)
                {
                    try
                    {
                        using var argsDocument = JsonDocument.Parse(args.GetString()!, new JsonDocumentOptions { MaxDepth = SessionFormatMaxDepth });
                        parsed = argsDocument.RootElement.Clone();
                    }
                    catch (JsonException ex)
                    {
                        throw Error(at + ".function.arguments", "not valid JSON (" + ex.Message + ")", ex);
                    }
                }
                else
                {
                    parsed = args;
                }

                if (parsed.ValueKind != JsonValueKind.Object) throw Error(at + ".function.arguments", "expected a JSON object");
                foreach (var property in parsed.EnumerateObject())
                {
                    arguments[property.Name] = property.Value.Clone();
                }
            }

            contents.Add(new FunctionCallContent(callId, name, arguments));
            i++;
        }
    }

    private static string? OptionalString(JsonElement obj, string name, Func<string, string> path)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw Error(path(name), $"expected a string, found {value.ValueKind}");
    }

    private static DateTimeOffset? OptionalDate(JsonElement obj, string name, Func<string, string> path)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return time;
        }

        throw Error(path(name), "expected an ISO 8601 date and time");
    }

    private static string SessionInfoClip(string value) => value.Length <= 64 ? value : value[..64] + "…";

    private static SessionFormatException Error(string path, string what, Exception? inner = null) =>
        new($"Invalid import document at '{path}': {what}.", null, inner);
}

using System.Text.Json;

namespace Sessions.Sdk;

/// <summary>Writes and reads the <c>session</c> object of the whole-session format, naming the bad field in every error.</summary>
internal static class SessionInfoJson
{
    public static void Write(Utf8JsonWriter writer, SessionInfo info)
    {
        writer.WriteStartObject();
        writer.WriteString("id"u8, info.Id);
        writer.WriteString("title"u8, info.Title);
        writer.WriteString("kind"u8, info.Kind.Value);
        writer.WriteStartArray("tags"u8);
        foreach (var tag in info.Tags) writer.WriteStringValue(tag);
        writer.WriteEndArray();
        writer.WriteStartObject("metadata"u8);
        foreach (var pair in info.Metadata.OrderBy(p => p.Key, StringComparer.Ordinal)) writer.WriteString(pair.Key, pair.Value);
        writer.WriteEndObject();
        if (info.SystemPrompt is { } prompt) writer.WriteString("systemPrompt"u8, prompt);
        if (info.ProviderName is { } provider) writer.WriteString("provider"u8, provider);
        if (info.ModelId is { } model) writer.WriteString("model"u8, model);
        if (info.ParentSessionId is { } parent) writer.WriteString("parentSessionId"u8, parent);
        if (info.BranchedAtSequence is { } at) writer.WriteNumber("branchedAtSequence"u8, at);
        writer.WriteNumber("messageCount"u8, info.MessageCount);
        writer.WriteString("createdAt"u8, info.CreatedAt);
        writer.WriteString("updatedAt"u8, info.UpdatedAt);
        writer.WritePropertyName("usage"u8);
        SessionJson.WriteUsage(writer, info.Usage);
        writer.WriteEndObject();
    }

    public static SessionInfo Read(ReadOnlySpan<byte> json, string path)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = SessionFormat.MaxDepth });
        try
        {
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject) throw SessionFormat.Error(path, "expected an object");
            string? id = null, title = null, prompt = null, provider = null, model = null, parent = null;
            SessionKind kind = SessionKind.Chat;
            List<string> tags = [];
            Dictionary<string, string> metadata = new(StringComparer.Ordinal);
            long? branchedAt = null;
            long count = 0;
            DateTimeOffset? created = null, updated = null;
            SessionUsage usage = SessionUsage.Empty;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string name = reader.GetString()!;
                string at = path + "." + name;
                reader.Read();
                switch (name)
                {
                    case "id": id = ReadString(ref reader, at); break;
                    case "title": title = ReadString(ref reader, at); break;
                    case "kind":
                        var k = ReadString(ref reader, at);
                        if (string.IsNullOrWhiteSpace(k)) throw SessionFormat.Error(at, "the kind is empty");
                        kind = new SessionKind(k);
                        break;
                    case "tags":
                        if (reader.TokenType != JsonTokenType.StartArray) throw SessionFormat.Error(at, "expected an array of strings");
                        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                        {
                            tags.Add(ReadString(ref reader, $"{at}[{tags.Count}]"));
                        }

                        break;
                    case "metadata":
                        if (reader.TokenType != JsonTokenType.StartObject) throw SessionFormat.Error(at, "expected an object of strings");
                        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                        {
                            string key = reader.GetString()!;
                            reader.Read();
                            metadata[key] = ReadString(ref reader, at + "." + key);
                        }

                        break;
                    case "systemPrompt": prompt = NullableString(ref reader, at); break;
                    case "provider": provider = NullableString(ref reader, at); break;
                    case "model": model = NullableString(ref reader, at); break;
                    case "parentSessionId": parent = NullableString(ref reader, at); break;
                    case "branchedAtSequence": branchedAt = reader.TokenType == JsonTokenType.Null ? null : Int64(ref reader, at); break;
                    case "messageCount": count = Int64(ref reader, at); break;
                    case "createdAt": created = Date(ref reader, at); break;
                    case "updatedAt": updated = Date(ref reader, at); break;
                    case "usage":
                        try
                        {
                            usage = SessionJson.ReadUsage(ref reader);
                        }
                        catch (Exception ex) when (SessionJson.IsParseFailure(ex))
                        {
                            throw SessionFormat.Error(at, ex.Message, ex);
                        }

                        break;
                    default: reader.Skip(); break;
                }
            }

            if (id is null) throw SessionFormat.Error(path + ".id", "the session id is missing");
            if (!SessionIds.IsValid(id)) throw SessionFormat.Error(path + ".id", $"'{Clip(id)}' is not a valid session id", sessionId: null);
            if (created is null) throw SessionFormat.Error(path + ".createdAt", "the creation time is missing", sessionId: id);
            return new SessionInfo
            {
                Id = id,
                Title = title ?? string.Empty,
                Kind = kind,
                Tags = tags,
                Metadata = metadata,
                SystemPrompt = prompt,
                ProviderName = provider,
                ModelId = model,
                ParentSessionId = parent,
                BranchedAtSequence = branchedAt,
                MessageCount = count,
                CreatedAt = created.Value,
                UpdatedAt = updated ?? created.Value,
                Usage = usage,
            };
        }
        catch (Exception ex) when (SessionJson.IsParseFailure(ex))
        {
            throw SessionFormat.Error(path, ex.Message, ex);
        }
    }

    internal static string Clip(string value) => value.Length <= 64 ? value : value[..64] + "…";

    private static string ReadString(ref Utf8JsonReader reader, string path) =>
        reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw SessionFormat.Error(path, $"expected a string, found {reader.TokenType}");

    private static string? NullableString(ref Utf8JsonReader reader, string path) =>
        reader.TokenType == JsonTokenType.Null ? null : ReadString(ref reader, path);

    private static long Int64(ref Utf8JsonReader reader, string path) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long value) ? value : throw SessionFormat.Error(path, $"expected an integer, found {reader.TokenType}");

    private static DateTimeOffset Date(ref Utf8JsonReader reader, string path) =>
        reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var value) ? value : throw SessionFormat.Error(path, "expected an ISO 8601 date and time");
}

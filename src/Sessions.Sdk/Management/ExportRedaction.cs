using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sessions.Sdk;

/// <summary>Applies an <see cref="ISessionRedactor"/> to every string of a session and its messages before they are exported.</summary>
/// <remarks>
/// A message is redacted through its JSON record, so every string of every content type (text, reasoning, tool-call
/// arguments, tool results, errors, additional properties) passes the redactor, including property names.
/// </remarks>
internal static class ExportRedaction
{
    private static readonly HashSet<string> Structural = new(StringComparer.Ordinal) { "v", "seq", "ts", "role", "usage", "latencyMs", "pinned", "mediaType", "createdAt" };

    public static SessionInfo Redact(SessionInfo info, ISessionRedactor redactor)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in info.Metadata)
        {
            metadata[redactor.Redact(pair.Key)] = redactor.Redact(pair.Value);
        }

        return info with
        {
            Title = redactor.Redact(info.Title),
            SystemPrompt = info.SystemPrompt is null ? null : redactor.Redact(info.SystemPrompt),
            Tags = [.. info.Tags.Select(redactor.Redact)],
            Metadata = metadata,
            ProviderName = info.ProviderName is null ? null : redactor.Redact(info.ProviderName),
            ModelId = info.ModelId is null ? null : redactor.Redact(info.ModelId),
        };
    }

    public static SessionMessage Redact(SessionMessage message, ISessionRedactor redactor)
    {
        var node = JsonNode.Parse(SessionJson.SerializeMessage(message));
        var redacted = RedactNode(node, redactor);
        return SessionJson.DeserializeMessage(JsonSerializer.SerializeToUtf8Bytes(redacted, ExportJsonContext.Default.JsonNode));
    }

    private static JsonNode? RedactNode(JsonNode? node, ISessionRedactor redactor)
    {
        switch (node)
        {
            case JsonObject obj:
                var copy = new JsonObject();
                foreach (var pair in obj)
                {
                    // "$type" discriminators, roles and the record's own fields are structure, not content: redacting them could only break the record.
                    if (pair.Key.StartsWith('$') || Structural.Contains(pair.Key))
                    {
                        copy[pair.Key] = pair.Value?.DeepClone();
                        continue;
                    }

                    copy[redactor.Redact(pair.Key)] = RedactNode(pair.Value?.DeepClone(), redactor);
                }

                return copy;
            case JsonArray array:
                var items = new JsonArray();
                foreach (var item in array)
                {
                    items.Add(RedactNode(item?.DeepClone(), redactor));
                }

                return items;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                return JsonValue.Create(redactor.Redact(value.GetValue<string>()));
            default:
                return node?.DeepClone();
        }
    }
}

using System.Buffers;
using System.Collections.ObjectModel;
using System.Text;
using System.Text.Json;

namespace Sessions.Sdk;

/// <summary>Writes and reads the JSON columns of the sessions table (tags array, metadata object).</summary>
internal static class SqliteJson
{
    private static readonly IReadOnlyDictionary<string, string> EmptyMetadata =
        new ReadOnlyDictionary<string, string>(new Dictionary<string, string>(StringComparer.Ordinal));

    public static string WriteTags(IReadOnlyList<string> tags)
    {
        if (tags.Count == 0) return "[]";
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var tag in tags) writer.WriteStringValue(tag);
            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static string WriteMetadata(IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata is null || metadata.Count == 0) return "{}";
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (key, value) in metadata)
            {
                ArgumentNullException.ThrowIfNull(key);
                writer.WriteString(key, value);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    // The empty cases are tested here and the parsers live apart, so a listing of sessions without tags or metadata (the
    // common case) never compiles the JSON parsing in a new process.
    public static IReadOnlyList<string> ReadTags(string json, string sessionId) => json == "[]" ? [] : ParseTags(json, sessionId);

    public static IReadOnlyDictionary<string, string> ReadMetadata(string json, string sessionId) => json == "{}" ? EmptyMetadata : ParseMetadata(json, sessionId);

    private static ReadOnlyCollection<string> ParseTags(string json, string sessionId)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var tags = new List<string>(document.RootElement.GetArrayLength());
            foreach (var element in document.RootElement.EnumerateArray()) tags.Add(element.GetString() ?? string.Empty);
            return tags.AsReadOnly();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            throw new SessionFormatException($"Invalid data in session '{sessionId}': malformed tags column ({ex.Message}).", sessionId, ex);
        }
    }

    private static ReadOnlyDictionary<string, string> ParseMetadata(string json, string sessionId)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject()) metadata[property.Name] = property.Value.GetString() ?? string.Empty;
            return new ReadOnlyDictionary<string, string>(metadata);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            throw new SessionFormatException($"Invalid data in session '{sessionId}': malformed metadata column ({ex.Message}).", sessionId, ex);
        }
    }
}

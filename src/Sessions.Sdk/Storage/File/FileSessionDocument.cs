using System.Buffers;
using System.Text.Json;

namespace Sessions.Sdk;

/// <summary>The metadata document of one session (<c>{id}.meta.json</c>): what the caller set, and a summary of the journal.</summary>
/// <remarks>
/// Replaced atomically (temporary file, flush, rename). The summary is a cache: it is trusted only while the journal still
/// has the length and last-write time it records, so listing reads no journal that has not changed since.
/// </remarks>
internal sealed record FileSessionDocument
{
    /// <summary>The schema version this library writes.</summary>
    public const int CurrentSchemaVersion = 1;

    public required SessionInfo Info { get; init; }

    public FileJournalSummary? Summary { get; init; }

    /// <summary>Gets the journal generation the last metadata edit was made on; <see langword="null"/> in documents written before appends advanced the version.</summary>
    public string? EditGeneration { get; init; }

    /// <summary>Gets the message count when <see cref="SessionInfo.Version"/> was set: messages appended after it advance the version.</summary>
    public long EditCount { get; init; }

    public byte[] Serialize(bool indented = true)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            var info = Info;
            writer.WriteStartObject();
            writer.WriteNumber("schemaVersion"u8, CurrentSchemaVersion);
            writer.WriteString("id"u8, info.Id);
            writer.WriteString("title"u8, info.Title);
            writer.WriteString("kind"u8, info.Kind.Value);
            writer.WriteStartArray("tags"u8);
            foreach (var tag in info.Tags) writer.WriteStringValue(tag);
            writer.WriteEndArray();
            writer.WriteStartObject("metadata"u8);
            foreach (var pair in info.Metadata) writer.WriteString(pair.Key, pair.Value);
            writer.WriteEndObject();
            if (info.SystemPrompt is { } prompt) writer.WriteString("systemPrompt"u8, prompt);
            if (info.ProviderName is { } provider) writer.WriteString("provider"u8, provider);
            if (info.ModelId is { } model) writer.WriteString("model"u8, model);
            if (info.ParentSessionId is { } parent) writer.WriteString("parentSessionId"u8, parent);
            if (info.BranchedAtSequence is { } branchedAt) writer.WriteNumber("branchedAtSequence"u8, branchedAt);
            writer.WriteString("createdAt"u8, info.CreatedAt);
            writer.WriteString("updatedAt"u8, info.UpdatedAt);
            writer.WriteNumber("version"u8, info.Version);
            if (EditGeneration is { } editGeneration)
            {
                writer.WriteString("editGeneration"u8, editGeneration);
                writer.WriteNumber("editCount"u8, EditCount);
            }

            if (Summary is { } summary)
            {
                writer.WriteStartObject("journal"u8);
                writer.WriteString("generation"u8, summary.Generation);
                writer.WriteNumber("version"u8, summary.Version);
                writer.WriteNumber("length"u8, summary.Length);
                writer.WriteNumber("lastWrite"u8, summary.LastWriteTicks);
                writer.WriteNumber("count"u8, summary.Count);
                writer.WritePropertyName("usage"u8);
                SessionJson.WriteUsage(writer, summary.Usage);
                writer.WriteString("updatedAt"u8, summary.UpdatedAt);
                if (summary.SchemaVersion > 1)
                {
                    writer.WriteNumber("schemaVersion"u8, summary.SchemaVersion);
                    writer.WriteNumber("initialCount"u8, summary.InitialCount);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Parses a metadata document of any shipped schema version.</summary>
    /// <exception cref="SessionFormatException">The document is malformed or of a newer schema version.</exception>
    public static FileSessionDocument Parse(ReadOnlySpan<byte> utf8, string sessionId)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw Invalid("the metadata document is not a JSON object", sessionId);
            int schemaVersion = 0;
            string? id = null, title = null, kind = null, prompt = null, provider = null, model = null, parent = null;
            long? branchedAt = null;
            DateTimeOffset? created = null, updated = null;
            long version = 0, editCount = 0;
            string? editGeneration = null;
            List<string> tags = [];
            Dictionary<string, string> metadata = new(StringComparer.Ordinal);
            FileJournalSummary? summary = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("schemaVersion"u8)) { reader.Read(); schemaVersion = reader.GetInt32(); }
                else if (reader.ValueTextEquals("id"u8)) { reader.Read(); id = reader.GetString(); }
                else if (reader.ValueTextEquals("title"u8)) { reader.Read(); title = reader.GetString(); }
                else if (reader.ValueTextEquals("kind"u8)) { reader.Read(); kind = reader.GetString(); }
                else if (reader.ValueTextEquals("tags"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("'tags' must be an array");
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) tags.Add(reader.GetString() ?? string.Empty);
                }
                else if (reader.ValueTextEquals("metadata"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("'metadata' must be an object");
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        var key = reader.GetString()!;
                        reader.Read();
                        metadata[key] = reader.GetString() ?? string.Empty;
                    }
                }
                else if (reader.ValueTextEquals("systemPrompt"u8)) { reader.Read(); prompt = reader.GetString(); }
                else if (reader.ValueTextEquals("provider"u8)) { reader.Read(); provider = reader.GetString(); }
                else if (reader.ValueTextEquals("model"u8)) { reader.Read(); model = reader.GetString(); }
                else if (reader.ValueTextEquals("parentSessionId"u8)) { reader.Read(); parent = reader.GetString(); }
                else if (reader.ValueTextEquals("branchedAtSequence"u8)) { reader.Read(); branchedAt = reader.TokenType == JsonTokenType.Null ? null : reader.GetInt64(); }
                else if (reader.ValueTextEquals("createdAt"u8)) { reader.Read(); created = reader.GetDateTimeOffset(); }
                else if (reader.ValueTextEquals("updatedAt"u8)) { reader.Read(); updated = reader.GetDateTimeOffset(); }
                else if (reader.ValueTextEquals("version"u8)) { reader.Read(); version = reader.GetInt64(); }
                else if (reader.ValueTextEquals("journal"u8)) { reader.Read(); summary = ReadSummary(ref reader); }
                else if (reader.ValueTextEquals("editGeneration"u8)) { reader.Read(); editGeneration = reader.GetString(); }
                else if (reader.ValueTextEquals("editCount"u8)) { reader.Read(); editCount = reader.GetInt64(); }
                else { reader.Read(); reader.Skip(); }
            }

            if (reader.TokenType != JsonTokenType.EndObject) throw Invalid("the metadata document is truncated", sessionId);
            if (schemaVersion < 1) throw Invalid("the metadata document has no schemaVersion", sessionId);
            if (schemaVersion > CurrentSchemaVersion)
            {
                throw Invalid($"the metadata document has schemaVersion {schemaVersion}, newer than the {CurrentSchemaVersion} this library reads; upgrade Sessions.Sdk", sessionId);
            }

            if (id is null || created is null || updated is null) throw Invalid("the metadata document lacks 'id', 'createdAt' or 'updatedAt'", sessionId);
            if (!string.Equals(id, sessionId, StringComparison.Ordinal)) throw Invalid($"the metadata document belongs to session '{id}'", sessionId);
            return new FileSessionDocument
            {
                Info = new SessionInfo
                {
                    Id = id,
                    Title = title ?? string.Empty,
                    Kind = string.IsNullOrWhiteSpace(kind) ? SessionKind.Chat : new SessionKind(kind),
                    Tags = tags,
                    Metadata = metadata.AsReadOnly(),
                    SystemPrompt = prompt,
                    ProviderName = provider,
                    ModelId = model,
                    ParentSessionId = parent,
                    BranchedAtSequence = branchedAt,
                    CreatedAt = created.Value,
                    UpdatedAt = updated.Value,
                    Version = version,
                },
                Summary = summary,
                EditGeneration = editGeneration,
                EditCount = editCount,
            };
        }
        catch (JsonException ex)
        {
            throw Invalid($"the metadata document is malformed ({ex.Message})", sessionId, ex);
        }
        catch (InvalidOperationException ex)
        {
            throw Invalid($"the metadata document is malformed ({ex.Message})", sessionId, ex);
        }
        catch (FormatException ex)
        {
            throw Invalid($"the metadata document is malformed ({ex.Message})", sessionId, ex);
        }
    }

    internal static SessionFormatException Invalid(string what, string sessionId, Exception? inner = null) =>
        new($"Invalid data in session '{sessionId}': {what}.", sessionId, inner);

    private static FileJournalSummary ReadSummary(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("'journal' must be an object");
        string? generation = null;
        long version = 0, length = 0, lastWrite = 0, count = 0, initialCount = 0;
        int schemaVersion = 1;
        SessionUsage usage = SessionUsage.Empty;
        DateTimeOffset updated = default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("generation"u8)) { reader.Read(); generation = reader.GetString(); }
            else if (reader.ValueTextEquals("version"u8)) { reader.Read(); version = reader.GetInt64(); }
            else if (reader.ValueTextEquals("length"u8)) { reader.Read(); length = reader.GetInt64(); }
            else if (reader.ValueTextEquals("lastWrite"u8)) { reader.Read(); lastWrite = reader.GetInt64(); }
            else if (reader.ValueTextEquals("count"u8)) { reader.Read(); count = reader.GetInt64(); }
            else if (reader.ValueTextEquals("usage"u8)) { reader.Read(); usage = SessionJson.ReadUsage(ref reader); }
            else if (reader.ValueTextEquals("updatedAt"u8)) { reader.Read(); updated = reader.GetDateTimeOffset(); }
            else if (reader.ValueTextEquals("schemaVersion"u8)) { reader.Read(); schemaVersion = reader.GetInt32(); }
            else if (reader.ValueTextEquals("initialCount"u8)) { reader.Read(); initialCount = reader.GetInt64(); }
            else { reader.Read(); reader.Skip(); }
        }

        if (reader.TokenType != JsonTokenType.EndObject) throw new JsonException("truncated 'journal' object");
        if (generation is null) throw new JsonException("'journal' lacks 'generation'");
        return new FileJournalSummary(generation, version, length, lastWrite, count, usage, updated) { SchemaVersion = schemaVersion, InitialCount = initialCount };
    }
}

/// <summary>What a session's journal held at a known length and last-write time.</summary>
/// <param name="Generation">The journal's generation (a new one per replacement).</param>
/// <param name="Version">The session version recorded in the journal header.</param>
/// <param name="Length">The journal length the figures hold for.</param>
/// <param name="LastWriteTicks">The journal's last-write time (UTC ticks) when the summary was taken.</param>
/// <param name="Count">The number of messages.</param>
/// <param name="Usage">The session's accumulated usage.</param>
/// <param name="UpdatedAt">When the journal last changed.</param>
internal sealed record FileJournalSummary(string Generation, long Version, long Length, long LastWriteTicks, long Count, SessionUsage Usage, DateTimeOffset UpdatedAt)
{
    /// <summary>Gets the journal header's schema version.</summary>
    public int SchemaVersion { get; init; } = 1;

    /// <summary>Gets the number of messages written with the journal header.</summary>
    public long InitialCount { get; init; }
}

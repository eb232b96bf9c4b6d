using System.Collections;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>The rules every store applies to what it is asked to keep: one copy, linked into each store's assembly.</summary>
/// <remarks>
/// What a store accepts it must read back exactly; what it cannot keep it refuses at the call with an
/// <see cref="ArgumentException"/> naming the field, before anything is written. Two things cannot be kept by any store:
/// strings holding an unpaired UTF-16 surrogate (UTF-8 and JSON cannot carry them, so they would come back as U+FFFD) and
/// values nested deeper than <see cref="MaxValueDepth"/> (the stored record would nest past what its reader allows).
/// Tags are trimmed, empty ones dropped and duplicates (ignoring case) removed, keeping the first spelling, in O(n).
/// </remarks>
internal static class StoreRules
{
    /// <summary>How deeply values inside a message (additional properties, tool arguments and results) may nest.</summary>
    /// <remarks>The stored record adds a few levels around them; the JSON reader allows 64 in all.</remarks>
    public const int MaxValueDepth = 48;

    /// <summary>Trims tags, drops empty ones and removes duplicates ignoring case (the first spelling is kept).</summary>
    /// <param name="tags">The tags as given.</param>
    /// <returns>The tags to store.</returns>
    public static string[] NormalizeTags(IReadOnlyList<string>? tags)
    {
        if (tags is null || tags.Count == 0) return [];
        var result = new List<string>(tags.Count);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var tag in tags)
        {
            if (tag is null) continue;
            var trimmed = tag.Trim();
            if (trimmed.Length == 0 || !seen.Add(trimmed)) continue;
            result.Add(trimmed);
        }

        return [.. result];
    }

    /// <summary>Returns the session with its user-supplied fields normalized (title never null, tags normalized, metadata copied).</summary>
    /// <param name="session">The session as given.</param>
    /// <returns>The normalized session; storage-maintained fields are left as given.</returns>
    public static SessionInfo Normalize(SessionInfo session) => session with
    {
        Title = session.Title ?? string.Empty,
        Tags = NormalizeTags(session.Tags),
        Metadata = new Dictionary<string, string>(session.Metadata ?? SessionInfoEmpty, StringComparer.Ordinal).AsReadOnly(),
    };

    /// <summary>Checks a session's user-supplied fields can be stored exactly.</summary>
    /// <param name="session">The session.</param>
    /// <param name="paramName">The parameter named in errors.</param>
    /// <exception cref="ArgumentException">A field holds an unpaired surrogate.</exception>
    public static void ValidateInfo(SessionInfo session, string paramName)
    {
        CheckText(session.Title, "Title", paramName);
        if (session.Tags is { } tags)
        {
            for (int i = 0; i < tags.Count; i++) CheckText(tags[i], $"Tags[{i}]", paramName);
        }

        if (session.Metadata is { } metadata)
        {
            foreach (var (key, value) in metadata)
            {
                CheckText(key, "Metadata key", paramName);
                CheckText(value, $"Metadata['{Printable(key)}']", paramName);
            }
        }

        CheckText(session.SystemPrompt, "SystemPrompt", paramName);
        CheckText(session.ProviderName, "ProviderName", paramName);
        CheckText(session.ModelId, "ModelId", paramName);
    }

    /// <summary>Checks messages can be stored exactly: none null, no unpaired surrogate, no value nested too deeply.</summary>
    /// <param name="messages">The messages.</param>
    /// <param name="paramName">The parameter named in errors.</param>
    /// <exception cref="ArgumentException">A message cannot be stored exactly; the message names it and the field.</exception>
    public static void ValidateMessages(IReadOnlyList<SessionMessage> messages, string paramName)
    {
        for (int i = 0; i < messages.Count; i++)
        {
            var message = messages[i] ?? throw new ArgumentException($"{paramName}[{i}] is null.", paramName);
            if (message.Message is null) throw new ArgumentException($"{paramName}[{i}] has no chat message.", paramName);

            // Most messages hold plain text and no extra properties: nothing in them can fail the walk below, so it runs only for
            // the others.
            if (IsPlainlyStorable(message)) continue;
            try
            {
                // First without field names (nothing allocated), then again with them to name what is wrong.
                ValidateMessage(message, null, paramName);
            }
            catch (ArgumentException)
            {
                ValidateMessage(message, $"{paramName}[{i}]", paramName);
                throw;
            }
        }
    }

    /// <summary>Turns a failure of the JSON writer on a message that passed <see cref="ValidateMessages"/> (an exotic value the walk
    /// does not know) into the same <see cref="ArgumentException"/>.</summary>
    /// <param name="exception">The writer's exception.</param>
    /// <returns>Whether it is such a failure.</returns>
    public static bool IsUnstorableValue(Exception exception) =>
        exception is JsonException or InvalidOperationException or NotSupportedException && exception is not ObjectDisposedException;

    /// <summary>Creates the <see cref="ArgumentException"/> for a message the JSON writer refused.</summary>
    /// <param name="exception">The writer's exception.</param>
    /// <param name="paramName">The parameter.</param>
    /// <returns>The exception to throw.</returns>
    public static ArgumentException Unstorable(Exception exception, string paramName) =>
        new($"A message cannot be stored: {exception.Message}", paramName, exception);

    private static readonly IReadOnlyDictionary<string, string> SessionInfoEmpty = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Whether a message certainly passes <see cref="ValidateMessage"/>: no UTF-16 surrogate in any text it holds, no
    /// additional properties, and only text contents (any other content, or a surrogate, takes the full walk).</summary>
    private static bool IsPlainlyStorable(SessionMessage message)
    {
        var chat = message.Message;
        if (HasSurrogate(message.ProviderName) || HasSurrogate(message.ModelId) || HasSurrogate(chat.Role.Value) || HasSurrogate(chat.AuthorName)
            || HasSurrogate(chat.MessageId) || chat.AdditionalProperties is { Count: > 0 })
        {
            return false;
        }

        var contents = chat.Contents;
        for (int i = 0; i < contents.Count; i++)
        {
            var content = contents[i];
            if (content is null) continue;
            if (content is not TextContent text || HasSurrogate(text.Text) || content.AdditionalProperties is { Count: > 0 }) return false;
        }

        return true;
    }

    private static bool HasSurrogate(string? text) => text is not null && text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') >= 0;

    private static void ValidateMessage(SessionMessage message, string? field, string paramName)
    {
        CheckText(message.ProviderName, Name(field, ".ProviderName"), paramName);
        CheckText(message.ModelId, Name(field, ".ModelId"), paramName);
        var chat = message.Message;
        CheckText(chat.Role.Value, Name(field, ".Role"), paramName);
        CheckText(chat.AuthorName, Name(field, ".AuthorName"), paramName);
        CheckText(chat.MessageId, Name(field, ".MessageId"), paramName);
        CheckProperties(chat.AdditionalProperties, Name(field, ".AdditionalProperties"), paramName, 1);
        var contents = chat.Contents;
        for (int i = 0; i < contents.Count; i++)
        {
            var content = contents[i];
            string? at = field is null ? null : $"{field}.Contents[{i}]";
            if (content is null) continue;
            switch (content)
            {
                case TextContent text: CheckText(text.Text, Name(at, ".Text"), paramName); break;
                case TextReasoningContent reasoning: CheckText(reasoning.Text, Name(at, ".Text"), paramName); break;
                case FunctionCallContent call:
                    CheckText(call.CallId, Name(at, ".CallId"), paramName);
                    CheckText(call.Name, Name(at, ".Name"), paramName);
                    if (call.Arguments is { } arguments)
                    {
                        foreach (var (key, value) in arguments)
                        {
                            CheckText(key, Name(at, ".Arguments key"), paramName);
                            CheckValue(value, at is null ? null : $"{at}.Arguments['{Printable(key)}']", paramName, 2);
                        }
                    }

                    break;
                case FunctionResultContent result:
                    CheckText(result.CallId, Name(at, ".CallId"), paramName);
                    CheckValue(result.Result, Name(at, ".Result"), paramName, 1);
                    break;
                case ErrorContent error:
                    CheckText(error.Message, Name(at, ".Message"), paramName);
                    CheckText(error.ErrorCode, Name(at, ".ErrorCode"), paramName);
                    CheckText(error.Details, Name(at, ".Details"), paramName);
                    break;
                case UriContent uri: CheckText(uri.MediaType, Name(at, ".MediaType"), paramName); break;
                case DataContent data:
                    CheckText(data.MediaType, Name(at, ".MediaType"), paramName);
                    CheckText(data.Name, Name(at, ".Name"), paramName);
                    break;
            }

            CheckProperties(content.AdditionalProperties, Name(at, ".AdditionalProperties"), paramName, 1);
        }
    }

    private static void CheckProperties(AdditionalPropertiesDictionary? properties, string? field, string paramName, int depth)
    {
        if (properties is null) return;
        foreach (var (key, value) in properties)
        {
            CheckText(key, Name(field, " key"), paramName);
            CheckValue(value, field is null ? null : $"{field}['{Printable(key)}']", paramName, depth + 1);
        }
    }

    private static void CheckValue(object? value, string? field, string paramName, int depth)
    {
        switch (value)
        {
            case null: return;
            case string text: CheckText(text, field, paramName); return;
            case JsonElement element: CheckElement(element, field, paramName, depth); return;
            case IDictionary<string, object?> dictionary:
                CheckDepth(depth, field, paramName);
                foreach (var (key, item) in dictionary)
                {
                    CheckText(key, Name(field, " key"), paramName);
                    CheckValue(item, field is null ? null : $"{field}['{Printable(key)}']", paramName, depth + 1);
                }

                return;
            case IDictionary dictionary:
                CheckDepth(depth, field, paramName);
                foreach (DictionaryEntry item in dictionary)
                {
                    if (item.Key is string key) CheckText(key, Name(field, " key"), paramName);
                    CheckValue(item.Value, Name(field, "[…]"), paramName, depth + 1);
                }

                return;
            case IEnumerable list when value is not byte[] and not ReadOnlyMemory<byte>:
                CheckDepth(depth, field, paramName);
                int index = 0;
                foreach (var item in list)
                {
                    CheckValue(item, field is null ? null : $"{field}[{index}]", paramName, depth + 1);
                    index++;
                }

                return;
            default: return;
        }
    }

    private static void CheckElement(JsonElement element, string? field, string paramName, int depth)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                CheckDepth(depth, field, paramName);
                foreach (var property in element.EnumerateObject()) CheckElement(property.Value, field is null ? null : $"{field}['{Printable(property.Name)}']", paramName, depth + 1);
                return;
            case JsonValueKind.Array:
                CheckDepth(depth, field, paramName);
                int index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    CheckElement(item, field is null ? null : $"{field}[{index}]", paramName, depth + 1);
                    index++;
                }

                return;
            default: return; // a parsed JsonElement cannot hold an unpaired surrogate
        }
    }

    private static void CheckDepth(int depth, string? field, string paramName)
    {
        if (depth > MaxValueDepth)
        {
            throw new ArgumentException($"{field} nests deeper than the {MaxValueDepth} levels a stored message may hold; flatten or serialize the value as a string.", paramName);
        }
    }

    private static void CheckText(string? text, string? field, string paramName)
    {
        if (text is null) return;
        var span = text.AsSpan();
        int at = span.IndexOfAnyInRange('\uD800', '\uDFFF');
        while (at >= 0)
        {
            if (char.IsHighSurrogate(span[at]) && at + 1 < span.Length && char.IsLowSurrogate(span[at + 1]))
            {
                int next = span[(at + 2)..].IndexOfAnyInRange('\uD800', '\uDFFF');
                at = next < 0 ? -1 : at + 2 + next;
                continue;
            }

            throw new ArgumentException($"{field} holds an unpaired UTF-16 surrogate (U+{(int)span[at]:X4} at index {at}), which no store can keep exactly.", paramName);
        }
    }

    private static string? Name(string? field, string suffix) => field is null ? null : field + suffix;

    private static string Printable(string key) => key.Length <= 40 ? key : key[..40] + "…";
}

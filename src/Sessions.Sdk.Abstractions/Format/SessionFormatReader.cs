using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Sessions.Sdk;

/// <summary>Reads the whole-session format (a session document or a bundle, every shipped schema version) from a stream as it comes.</summary>
/// <remarks>
/// Memory holds one message at a time, so a session of any length can be read. Call <see cref="ReadSessionAsync"/> for each
/// session, then optionally <see cref="ReadMessagesAsync"/> for its messages (unread messages are skipped). Every error is a
/// <see cref="SessionFormatException"/> naming the path of the bad field, such as <c>sessions[1].messages[3].ts</c>. Not thread-safe.
/// </remarks>
public sealed class SessionFormatReader : IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly JsonStreamReader _json;
    private Position _position;
    private int _sessionIndex = -1;
    private int _messageIndex;
    private SessionInfo? _current;

    private SessionFormatReader(Stream stream, bool leaveOpen)
    {
        _stream = stream;
        _leaveOpen = leaveOpen;
        _json = new JsonStreamReader(stream);
    }

    private enum Position
    {
        BeforeSession,
        InMessages,
        AfterMessages,
        End,
    }

    /// <summary>Gets the schema version of the document.</summary>
    public int SchemaVersion { get; private set; }

    /// <summary>Gets a value indicating whether the document is a bundle of sessions rather than one session.</summary>
    public bool IsBundle { get; private set; }

    /// <summary>Opens a reader and reads the document's header (format and schema version).</summary>
    /// <param name="stream">The stream holding the document.</param>
    /// <param name="leaveOpen"><see langword="true"/> to leave <paramref name="stream"/> open when the reader is disposed.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The reader, positioned before the first session.</returns>
    /// <exception cref="SessionFormatException">The stream does not hold a session document or bundle, or its schema version is newer than this library.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not readable.</exception>
    public static async Task<SessionFormatReader> OpenAsync(Stream stream, bool leaveOpen = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead) throw new ArgumentException("The stream must be readable.", nameof(stream));
        var reader = new SessionFormatReader(stream, leaveOpen);
        try
        {
            await reader.ReadHeaderAsync(cancellationToken).ConfigureAwait(false);
            return reader;
        }
        catch
        {
            await reader.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Advances to the next session and returns its information, skipping any unread messages of the previous one.</summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The session's information, or <see langword="null"/> after the last session.</returns>
    /// <exception cref="SessionFormatException">The document is malformed; the message names the bad field.</exception>
    public async Task<SessionInfo?> ReadSessionAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            if (_position is Position.InMessages)
            {
                await foreach (var unused in ReadMessagesAsync(cancellationToken).ConfigureAwait(false))
                {
                    _ = unused;
                }
            }

            if (_position is Position.AfterMessages) await FinishSessionAsync(cancellationToken).ConfigureAwait(false);
            if (_position is Position.End) return null;
            return await StartSessionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            throw SessionFormat.Error(CurrentPath, ex.Message, ex, _current?.Id);
        }
    }

    /// <summary>Reads the messages of the session last returned by <see cref="ReadSessionAsync"/>.</summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The messages in document order.</returns>
    /// <exception cref="SessionFormatException">A message is malformed; the message names the bad field.</exception>
    /// <exception cref="InvalidOperationException">No session was read, or its messages were already read.</exception>
    public async IAsyncEnumerable<SessionMessage> ReadMessagesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (_position is not Position.InMessages) throw new InvalidOperationException("Call ReadSessionAsync first; each session's messages can be read once.");
        while (true)
        {
            SessionMessage? message = await ReadNextMessageAsync(cancellationToken).ConfigureAwait(false);
            if (message is null) yield break;
            yield return message;
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (!_leaveOpen) await _stream.DisposeAsync().ConfigureAwait(false);
    }

    private string SessionPath => IsBundle ? $"sessions[{_sessionIndex}]" : "$";

    private string CurrentPath => _position switch
    {
        Position.InMessages => IsBundle ? $"{SessionPath}.messages[{_messageIndex}]" : $"messages[{_messageIndex}]",
        _ when _sessionIndex < 0 => "$",
        _ => SessionPath,
    };

    private async Task<SessionMessage?> ReadNextMessageAsync(CancellationToken cancellationToken)
    {
        ReadOnlyMemory<byte> bytes;
        try
        {
            bytes = await _json.ReadValueAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            throw SessionFormat.Error(CurrentPath, ex.Message, ex, _current?.Id);
        }

        if (_json.TokenType == JsonTokenType.EndArray)
        {
            _position = Position.AfterMessages;
            return null;
        }

        SessionMessage message;
        try
        {
            // The path (messages[i]) is built only for an error: reading the same bytes again fails the same way and names it.
            message = MessageJson.Read(bytes.Span, string.Empty, _current?.Id);
        }
        catch (SessionFormatException)
        {
            message = MessageJson.Read(bytes.Span, CurrentPath, _current?.Id);
        }

        _messageIndex++;
        return message;
    }

    private async Task ReadHeaderAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (!await _json.ReadTokenAsync(cancellationToken).ConfigureAwait(false)) throw SessionFormat.Error("$", "the document is empty");
            if (_json.TokenType != JsonTokenType.StartObject) throw SessionFormat.Error("$", "expected a JSON object");
            string? format = null;
            while (true)
            {
                if (!await _json.ReadTokenAsync(cancellationToken).ConfigureAwait(false)) throw SessionFormat.Error("$", "the document is truncated");
                if (_json.TokenType == JsonTokenType.EndObject) throw SessionFormat.Error(format is null ? "format" : "session", "the document holds no session");
                string name = _json.TokenString!;
                if (name == "format")
                {
                    var value = await _json.ReadValueAsync(cancellationToken).ConfigureAwait(false);
                    format = ParseString(value.Span, "format");
                    if (format != SessionFormat.SessionFormatName && format != SessionFormat.BundleFormatName)
                    {
                        throw SessionFormat.Error("format", $"'{SessionInfoJson.Clip(format)}' is not a Sessions.Sdk session format");
                    }

                    IsBundle = format == SessionFormat.BundleFormatName;
                }
                else if (name == "schemaVersion")
                {
                    if (format is null) throw SessionFormat.Error("schemaVersion", "'format' must come first");
                    var value = await _json.ReadValueAsync(cancellationToken).ConfigureAwait(false);
                    var reader = new Utf8JsonReader(value.Span);
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out int version) || version < 1)
                    {
                        throw SessionFormat.Error("schemaVersion", "expected a positive integer");
                    }

                    if (version > SessionFormat.CurrentSchemaVersion)
                    {
                        throw SessionFormat.Error("schemaVersion", $"schema version {version} is newer than the {SessionFormat.CurrentSchemaVersion} this library reads; upgrade Sessions.Sdk");
                    }

                    SchemaVersion = version;
                    return;
                }
                else if (format is null)
                {
                    throw SessionFormat.Error("format", "the document does not start with a Sessions.Sdk 'format'");
                }
                else
                {
                    await _json.ReadValueAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (JsonException ex)
        {
            throw SessionFormat.Error("$", ex.Message, ex);
        }
    }

    // Reads up to and including the opening '[' of the next session's messages; returns null at the end of the document.
    private async Task<SessionInfo?> StartSessionAsync(CancellationToken cancellationToken)
    {
        if (IsBundle && _sessionIndex < 0)
        {
            // Find "sessions": [
            if (!await SeekPropertyAsync("sessions", rootLevel: true, cancellationToken).ConfigureAwait(false))
            {
                throw SessionFormat.Error("sessions", "the bundle has no 'sessions' array");
            }

            await ReadTokenAsync(cancellationToken).ConfigureAwait(false);
            if (_json.TokenType != JsonTokenType.StartArray) throw SessionFormat.Error("sessions", "expected an array");
        }

        if (!IsBundle && _sessionIndex >= 0)
        {
            await FinishDocumentAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }

        _sessionIndex++;
        _messageIndex = 0;
        _current = null;
        if (IsBundle)
        {
            await ReadTokenAsync(cancellationToken).ConfigureAwait(false);
            if (_json.TokenType == JsonTokenType.EndArray)
            {
                await FinishDocumentAsync(cancellationToken).ConfigureAwait(false);
                return null;
            }

            if (_json.TokenType != JsonTokenType.StartObject) throw SessionFormat.Error(SessionPath, "expected an object");
        }

        while (true)
        {
            await ReadTokenAsync(cancellationToken).ConfigureAwait(false);
            if (_json.TokenType == JsonTokenType.EndObject)
            {
                throw SessionFormat.Error(_current is null ? Join("session") : Join("messages"), "missing");
            }

            string name = _json.TokenString!;
            if (name == "session" && _current is null)
            {
                var value = await _json.ReadValueAsync(cancellationToken).ConfigureAwait(false);
                _current = SessionInfoJson.Read(value.Span, Join("session"));
            }
            else if (name == "messages")
            {
                if (_current is null) throw SessionFormat.Error(Join("messages"), "'session' must come before 'messages'");
                await ReadTokenAsync(cancellationToken).ConfigureAwait(false);
                if (_json.TokenType != JsonTokenType.StartArray) throw SessionFormat.Error(Join("messages"), "expected an array");
                _position = Position.InMessages;
                return _current;
            }
            else
            {
                await _json.ReadValueAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    // After a session's messages: skip the rest of the session object (bundle) or of the document (single).
    private async Task FinishSessionAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await ReadTokenAsync(cancellationToken).ConfigureAwait(false);
            if (_json.TokenType == JsonTokenType.EndObject) break;
            await _json.ReadValueAsync(cancellationToken).ConfigureAwait(false);
        }

        if (!IsBundle)
        {
            await _json.EnsureEndAsync(cancellationToken).ConfigureAwait(false);
            _position = Position.End;
            return;
        }

        _position = Position.BeforeSession;
    }

    private async Task FinishDocumentAsync(CancellationToken cancellationToken)
    {
        // Bundle: after the sessions array, skip the remaining properties of the root object.
        while (true)
        {
            await ReadTokenAsync(cancellationToken).ConfigureAwait(false);
            if (_json.TokenType == JsonTokenType.EndObject) break;
            await _json.ReadValueAsync(cancellationToken).ConfigureAwait(false);
        }

        await _json.EnsureEndAsync(cancellationToken).ConfigureAwait(false);
        _position = Position.End;
    }

    private async Task<bool> SeekPropertyAsync(string property, bool rootLevel, CancellationToken cancellationToken)
    {
        _ = rootLevel;
        while (true)
        {
            await ReadTokenAsync(cancellationToken).ConfigureAwait(false);
            if (_json.TokenType == JsonTokenType.EndObject) return false;
            if (_json.TokenString == property) return true;
            await _json.ReadValueAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ReadTokenAsync(CancellationToken cancellationToken)
    {
        if (!await _json.ReadTokenAsync(cancellationToken).ConfigureAwait(false)) throw new JsonException("The document is truncated.");
    }

    private string Join(string property) => IsBundle ? $"{SessionPath}.{property}" : property;

    private static string ParseString(ReadOnlySpan<byte> json, string path)
    {
        var reader = new Utf8JsonReader(json);
        reader.Read();
        return reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw SessionFormat.Error(path, "expected a string");
    }
}

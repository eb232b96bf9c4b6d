using System.Text.Json;

namespace Sessions.Sdk;

/// <summary>Reads one JSON document from a stream token by token, or a whole value at a time, holding at most one value in memory.</summary>
/// <remarks>
/// Utf8JsonReader cannot live across awaits, so each step runs a fresh reader over the buffered bytes with the saved
/// <see cref="JsonReaderState"/>; when the bytes end mid-token (or mid-value) the buffer is refilled (and grown) and the step retried.
/// </remarks>
internal sealed class JsonStreamReader
{
    private const int InitialBufferSize = 64 * 1024;
    private readonly Stream _stream;
    private byte[] _buffer = new byte[InitialBufferSize];
    private int _start;
    private int _end;
    private bool _final;
    private bool _filled;
    private JsonReaderState _state = new(new JsonReaderOptions { MaxDepth = SessionFormat.MaxDepth });

    public JsonStreamReader(Stream stream) => _stream = stream;

    /// <summary>Gets the type of the token last read by <see cref="ReadTokenAsync"/>.</summary>
    public JsonTokenType TokenType { get; private set; }

    /// <summary>Gets the string value of the token last read (property names and strings), otherwise null.</summary>
    public string? TokenString { get; private set; }

    /// <summary>Reads the next token; false at the end of the input.</summary>
    public async ValueTask<bool> ReadTokenAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (TryReadToken()) return true;
            if (_final) return false;
            await FillAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads the next whole value (after a property name or inside an array) and returns its bytes.</summary>
    /// <remarks>The memory is valid until the next call. Returns an empty memory with <see cref="TokenType"/> EndArray/EndObject when the container ended instead.</remarks>
    public async ValueTask<ReadOnlyMemory<byte>> ReadValueAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (TryReadValue(out var start, out var length)) return _buffer.AsMemory(start, length);
            if (_final) throw new JsonException("The document ends in the middle of a value.");
            await FillAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Checks that nothing but white space follows the document.</summary>
    public async ValueTask EnsureEndAsync(CancellationToken cancellationToken)
    {
        if (await ReadTokenAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new JsonException("Unexpected data after the end of the document.");
        }
    }

    private bool TryReadToken()
    {
        var reader = new Utf8JsonReader(_buffer.AsSpan(_start, _end - _start), _final, _state);
        if (!reader.Read()) return false;
        TokenType = reader.TokenType;
        TokenString = reader.TokenType is JsonTokenType.PropertyName or JsonTokenType.String ? reader.GetString() : null;
        _start += (int)reader.BytesConsumed;
        _state = reader.CurrentState;
        return true;
    }

    private bool TryReadValue(out int start, out int length)
    {
        start = length = 0;
        var reader = new Utf8JsonReader(_buffer.AsSpan(_start, _end - _start), _final, _state);
        if (!reader.Read()) return false;
        TokenType = reader.TokenType;
        TokenString = null;
        int tokenStart = (int)reader.TokenStartIndex;
        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            if (!reader.TrySkip()) return false;
        }
        else if (reader.TokenType is JsonTokenType.EndArray or JsonTokenType.EndObject)
        {
            _start += (int)reader.BytesConsumed;
            _state = reader.CurrentState;
            return true;
        }

        start = _start + tokenStart;
        length = (int)reader.BytesConsumed - tokenStart;
        _start += (int)reader.BytesConsumed;
        _state = reader.CurrentState;
        return true;
    }

    private async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            if (_buffer.Length >= Array.MaxLength / 2) throw new JsonException("A value in the document is too large to read.");
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        int read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            _final = true;
        }

        _end += read;
        if (!_filled && (_end >= 3 || _final))
        {
            _filled = true;
            if (_end >= 3 && _buffer[0] == 0xEF && _buffer[1] == 0xBB && _buffer[2] == 0xBF) _start = 3; // UTF-8 byte order mark
        }
    }
}

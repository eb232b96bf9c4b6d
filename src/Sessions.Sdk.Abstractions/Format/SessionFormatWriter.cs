using System.Text.Json;

namespace Sessions.Sdk;

/// <summary>Writes the whole-session format to a stream one message at a time, so memory does not grow with the session.</summary>
/// <remarks>
/// Write each session with <see cref="WriteSessionStartAsync"/>, <see cref="WriteMessageAsync"/> and <see cref="WriteSessionEndAsync"/>
/// (or <see cref="WriteSessionAsync(SessionInfo, IAsyncEnumerable{SessionMessage}, CancellationToken)"/>), then call
/// <see cref="CompleteAsync"/>. A single-session writer accepts exactly one session; a bundle writer any number. Not thread-safe.
/// </remarks>
public sealed class SessionFormatWriter : IAsyncDisposable
{
    private const int FlushThreshold = 64 * 1024;
    private readonly Stream _stream;
    private readonly bool _bundle;
    private readonly bool _leaveOpen;
    private readonly Utf8JsonWriter _writer;
    private State _state;
    private int _sessions;

    /// <summary>Initializes a writer over a stream.</summary>
    /// <param name="stream">The stream to write to.</param>
    /// <param name="bundle"><see langword="true"/> to write a bundle of any number of sessions; <see langword="false"/> for one session.</param>
    /// <param name="leaveOpen"><see langword="true"/> to leave <paramref name="stream"/> open when the writer is disposed.</param>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not writable.</exception>
    public SessionFormatWriter(Stream stream, bool bundle = false, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite) throw new ArgumentException("The stream must be writable.", nameof(stream));
        _stream = stream;
        _bundle = bundle;
        _leaveOpen = leaveOpen;
        _writer = new Utf8JsonWriter(stream, new JsonWriterOptions { SkipValidation = true });
    }

    private enum State
    {
        Start,
        InSession,
        BetweenSessions,
        Completed,
    }

    /// <summary>Starts a session: writes the document header (first time) and the session's information.</summary>
    /// <param name="session">The session's information.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the data is buffered or written.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="session"/> is null.</exception>
    /// <exception cref="InvalidOperationException">A session is already open, or a single-session writer already wrote its session.</exception>
    public async Task WriteSessionStartAsync(SessionInfo session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (_state is State.InSession) throw new InvalidOperationException("Call WriteSessionEndAsync before starting the next session.");
        if (_state is State.Completed || (!_bundle && _sessions > 0))
        {
            throw new InvalidOperationException("This writer holds one session; create it with bundle: true to write several.");
        }

        if (_state is State.Start)
        {
            _writer.WriteStartObject();
            _writer.WriteString("format"u8, _bundle ? SessionFormat.BundleFormatName : SessionFormat.SessionFormatName);
            _writer.WriteNumber("schemaVersion"u8, SessionFormat.CurrentSchemaVersion);
            if (_bundle) _writer.WriteStartArray("sessions"u8);
        }

        if (_bundle) _writer.WriteStartObject();
        _writer.WritePropertyName("session"u8);
        SessionInfoJson.Write(_writer, session);
        _writer.WriteStartArray("messages"u8);
        _state = State.InSession;
        _sessions++;
        await FlushIfNeededAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes one message of the open session.</summary>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the data is buffered or written.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is null.</exception>
    /// <exception cref="InvalidOperationException">No session is open.</exception>
    public async Task WriteMessageAsync(SessionMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_state is not State.InSession) throw new InvalidOperationException("Call WriteSessionStartAsync before writing messages.");
        SessionJson.WriteMessage(_writer, message);
        await FlushIfNeededAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes one message of the open session given as its JSON object, exactly as <see cref="SessionJson"/> writes it
    /// (a store that keeps that form hands it over without materializing the message); not checked. Call
    /// <see cref="FlushPendingAsync"/> every so often.</summary>
    /// <param name="messageJson">The message's JSON object.</param>
    /// <exception cref="InvalidOperationException">No session is open.</exception>
    internal void WriteMessageJson(ReadOnlySpan<byte> messageJson)
    {
        if (_state is not State.InSession) throw new InvalidOperationException("Call WriteSessionStartAsync before writing messages.");
        _writer.WriteRawValue(messageJson, skipInputValidation: true);
    }

    /// <summary>Writes what is buffered to the stream once it passes the flush threshold.</summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the data is buffered or written.</returns>
    internal ValueTask FlushPendingAsync(CancellationToken cancellationToken) => FlushIfNeededAsync(cancellationToken);

    /// <summary>Ends the open session.</summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the data is buffered or written.</returns>
    /// <exception cref="InvalidOperationException">No session is open.</exception>
    public async Task WriteSessionEndAsync(CancellationToken cancellationToken = default)
    {
        if (_state is not State.InSession) throw new InvalidOperationException("No session is open.");
        _writer.WriteEndArray();
        if (_bundle) _writer.WriteEndObject();
        _state = State.BetweenSessions;
        await FlushIfNeededAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes a whole session, reading its messages as they come.</summary>
    /// <param name="session">The session's information.</param>
    /// <param name="messages">The session's messages, in order.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the session is written.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="InvalidOperationException">The writer cannot take another session.</exception>
    public async Task WriteSessionAsync(SessionInfo session, IAsyncEnumerable<SessionMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        await WriteSessionStartAsync(session, cancellationToken).ConfigureAwait(false);
        await foreach (var message in messages.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            await WriteMessageAsync(message, cancellationToken).ConfigureAwait(false);
        }

        await WriteSessionEndAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes a whole session held in memory.</summary>
    /// <param name="session">The session's information.</param>
    /// <param name="messages">The session's messages, in order.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the session is written.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="InvalidOperationException">The writer cannot take another session.</exception>
    public async Task WriteSessionAsync(SessionInfo session, IEnumerable<SessionMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        await WriteSessionStartAsync(session, cancellationToken).ConfigureAwait(false);
        foreach (var message in messages)
        {
            await WriteMessageAsync(message, cancellationToken).ConfigureAwait(false);
        }

        await WriteSessionEndAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Ends the document and flushes it to the stream.</summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when everything is written.</returns>
    /// <exception cref="InvalidOperationException">A session is still open, or a single-session writer wrote none.</exception>
    public async Task CompleteAsync(CancellationToken cancellationToken = default)
    {
        if (_state is State.Completed) return;
        if (_state is State.InSession) throw new InvalidOperationException("Call WriteSessionEndAsync before CompleteAsync.");
        if (_state is State.Start)
        {
            if (!_bundle) throw new InvalidOperationException("A single-session document needs its session; write it before CompleteAsync.");
            _writer.WriteStartObject();
            _writer.WriteString("format"u8, SessionFormat.BundleFormatName);
            _writer.WriteNumber("schemaVersion"u8, SessionFormat.CurrentSchemaVersion);
            _writer.WriteStartArray("sessions"u8);
        }

        if (_bundle) _writer.WriteEndArray();
        _writer.WriteEndObject();
        _state = State.Completed;
        await _writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Releases the writer (and the stream unless left open) without completing the document.</summary>
    /// <returns>A task that completes when resources are released.</returns>
    public async ValueTask DisposeAsync()
    {
        await _writer.DisposeAsync().ConfigureAwait(false);
        if (!_leaveOpen) await _stream.DisposeAsync().ConfigureAwait(false);
    }

    private async ValueTask FlushIfNeededAsync(CancellationToken cancellationToken)
    {
        if (_writer.BytesPending >= FlushThreshold)
        {
            await _writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}

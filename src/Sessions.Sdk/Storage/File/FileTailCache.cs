using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>The last messages of one session's journal as this process last saw them, to serve <c>Last(n)</c> reads without parsing.</summary>
/// <remarks>
/// Valid only for the journal generation and the exact journal length it was taken at: any append by another process, a
/// replacement or a torn tail makes the caller read the file instead. Callers never receive cached objects: plain-text
/// messages are kept as their immutable parts (role and text strings) and materialized as new <see cref="ChatMessage"/>
/// instances on every read; other messages are kept as their journal line and parsed again.
/// </remarks>
internal sealed class FileTailCache
{
    /// <summary>The most messages kept.</summary>
    public const int Capacity = 128;

    private readonly Lock _gate = new();
    private readonly List<Item> _items = [];
    private string? _generation;
    private long _endLength = -1;
    private bool _fromStart;

    /// <summary>Serves the <paramref name="take"/> messages before the last <paramref name="skip"/> when the cache holds them for this journal state.</summary>
    public bool TryGet(string generation, long fileLength, int skip, int take, string sessionId, out List<SessionMessage> result)
    {
        lock (_gate)
        {
            result = null!;
            if (_generation != generation || _endLength != fileLength) return false;
            int count = _items.Count;
            if ((long)skip + take > count && !_fromStart) return false;
            int end = Math.Max(0, count - skip);
            int start = Math.Max(0, end - take);
            result = new List<SessionMessage>(end - start);
            for (int i = start; i < end; i++) result.Add(_items[i].Materialize(sessionId));
            return true;
        }
    }

    /// <summary>Replaces the cache with messages just read from (or written as) the journal.</summary>
    /// <param name="generation">The journal generation.</param>
    /// <param name="endLength">The journal offset just past the last of <paramref name="items"/>.</param>
    /// <param name="fromStart">Whether <paramref name="items"/> are every message of the journal.</param>
    /// <param name="items">The messages, oldest first.</param>
    public void Store(string generation, long endLength, bool fromStart, List<Item> items)
    {
        lock (_gate)
        {
            _items.Clear();
            int drop = Math.Max(0, items.Count - Capacity);
            for (int i = drop; i < items.Count; i++) _items.Add(items[i]);
            _generation = generation;
            _endLength = endLength;
            _fromStart = fromStart && drop == 0;
        }
    }

    /// <summary>Extends the cache with messages this process appended at <paramref name="oldLength"/>, or drops it when it was not current.</summary>
    /// <param name="generation">The journal generation.</param>
    /// <param name="oldLength">The journal length before the append.</param>
    /// <param name="newLength">The journal length after it.</param>
    /// <param name="appended">The last of the appended messages (at most <see cref="Capacity"/>), oldest first.</param>
    /// <param name="count">How many messages the append wrote; more than <paramref name="appended"/> holds when it wrote more than the cache keeps.</param>
    public void Extend(string generation, long oldLength, long newLength, Item[] appended, int count)
    {
        lock (_gate)
        {
            if (_generation != generation || _endLength != oldLength)
            {
                ClearLocked();
                return;
            }

            if (count > appended.Length)
            {
                _items.Clear();
                _fromStart = false;
            }

            _items.AddRange(appended);
            if (_items.Count > Capacity)
            {
                _items.RemoveRange(0, _items.Count - Capacity);
                _fromStart = false;
            }

            _endLength = newLength;
        }
    }

    /// <summary>Drops the cache.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            ClearLocked();
        }
    }

    private void ClearLocked()
    {
        _items.Clear();
        _generation = null;
        _endLength = -1;
        _fromStart = false;
    }

    /// <summary>One cached message: immutable parts of a plain-text message, or its journal line.</summary>
    /// <remarks>Used only under the cache's lock: a line is parsed on the first read and, for plain text, kept as its parts from then on.</remarks>
    internal sealed class Item
    {
        private static readonly ChatMessage Placeholder = new();
        private SessionMessage? _template;
        private string? _role;
        private string[]? _texts;
        private ReadOnlyMemory<byte> _line;

        private Item(SessionMessage? template, string? role, string[]? texts, ReadOnlyMemory<byte> line)
        {
            _template = template;
            _role = role;
            _texts = texts;
            _line = line;
        }

        /// <summary>Captures a message exactly as its journal line reads back.</summary>
        /// <param name="message">The message as read from <paramref name="line"/>.</param>
        /// <param name="line">The journal line (without its newline).</param>
        public static Item From(SessionMessage message, ReadOnlySpan<byte> line)
        {
            var item = new Item(null, null, null, default);
            if (!item.TryKeepParts(message)) item._line = line.ToArray();
            return item;
        }

        /// <summary>Captures a message as its journal line only (a message just written), to be parsed when first read.</summary>
        /// <param name="line">The journal line (without its newline); the item keeps this memory, which nobody may change.</param>
        public static Item FromLine(ReadOnlyMemory<byte> line) => new(null, null, null, line);

        /// <summary>Returns a new message the caller owns.</summary>
        public SessionMessage Materialize(string sessionId)
        {
            if (_texts is null)
            {
                var message = SessionJson.DeserializeMessage(_line.Span, sessionId);
                if (TryKeepParts(message)) _line = default;
                return message;
            }

            var contents = new List<AIContent>(_texts.Length);
            foreach (var text in _texts) contents.Add(new TextContent(text));
            return _template! with { Message = new ChatMessage(new ChatRole(_role!), contents) };
        }

        /// <summary>Keeps a plain-text message as its immutable parts (strings), so later reads need no parsing.</summary>
        private bool TryKeepParts(SessionMessage message)
        {
            if (!SessionJson.IsPlainText(message.Message)) return false;
            var contents = message.Message.Contents;
            var texts = new string[contents.Count];
            for (int i = 0; i < texts.Length; i++) texts[i] = ((TextContent)contents[i]).Text;
            _template = message with { Message = Placeholder };
            _role = message.Message.Role.Value;
            _texts = texts;
            return true;
        }
    }
}

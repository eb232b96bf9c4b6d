using System.Text;
using Npgsql;

namespace Sessions.Sdk;

/// <summary>The rows of messages about to be stored.</summary>
internal sealed partial class PostgreSqlSessionStorage
{
    /// <summary>The rows of messages about to be inserted: payloads and their checksums, searchable text, size and usage.</summary>
    /// <remarks>
    /// Everything is computed before the round trip. A payload is the message JSON with the sequence it is known by when it is
    /// serialized (0 for an append, whose sequence SQL assigns); the row's <c>seq</c> column is the sequence read back. The
    /// checksum is CRC-32C of the payload's UTF-8 bytes, the rule every store shares (<see cref="RecordChecksum"/>).
    /// </remarks>
    internal sealed class MessageRows
    {
        private readonly long[] _sequences;
        private readonly string[] _roles;
        private readonly long[] _timestamps;
        private readonly string[] _payloads;
        private readonly int[] _checksums;
        private readonly string[] _contents;
        private readonly string[] _words; // tsvector input text

        private MessageRows(IReadOnlyList<SessionMessage> messages, long firstSequence, int maxIndexed)
        {
            int n = messages.Count;
            _sequences = new long[n];
            _roles = new string[n];
            _timestamps = new long[n];
            _payloads = new string[n];
            _checksums = new int[n];
            _contents = new string[n];
            _words = new string[n];
            var usage = SessionUsage.Empty;
            long size = 0;
            for (int i = 0; i < n; i++)
            {
                var message = messages[i] ?? throw new ArgumentException($"The message at index {i} is null.", nameof(messages));
                long sequence = firstSequence == 0 ? 0 : firstSequence + i;
                _sequences[i] = sequence;
                _roles[i] = message.Role.Value;
                _timestamps[i] = message.Timestamp.UtcTicks;
                _contents[i] = SearchText(message.Text, maxIndexed);
                _words[i] = SearchVector(_contents[i]);
                usage = usage.Add(message.Usage);
                byte[] json = SessionJson.SerializeMessage(message with { Sequence = sequence });
                _payloads[i] = Encoding.UTF8.GetString(json);
                _checksums[i] = unchecked((int)RecordChecksum.Crc32C(json));
                size += json.Length;
            }

            Usage = usage;
            SizeBytes = size;
        }

        /// <summary>Gets the number of rows.</summary>
        public int Count => _payloads.Length;

        /// <summary>Gets the UTF-8 size of the payloads.</summary>
        public long SizeBytes { get; }

        /// <summary>Gets the usage the messages add up to.</summary>
        public SessionUsage Usage { get; }

        /// <summary>Validates the messages (the store rules) and builds their rows.</summary>
        /// <param name="messages">The messages.</param>
        /// <param name="firstSequence">The first message's sequence, or 0 when SQL assigns the sequences (appends).</param>
        /// <param name="maxIndexed">The most characters of a message's text indexed for search.</param>
        /// <returns>The rows.</returns>
        public static MessageRows Create(IReadOnlyList<SessionMessage> messages, long firstSequence, int maxIndexed)
        {
            StoreRules.ValidateMessages(messages, nameof(messages));
            return new MessageRows(messages, firstSequence, maxIndexed);
        }

        /// <summary>Adds the row arrays: (sequences,) roles, timestamps, payloads, checksums, texts and words.</summary>
        /// <param name="parameters">The command's parameters.</param>
        /// <param name="withSequences">Whether the sequences go first (create, replace) or SQL assigns them (append).</param>
        public void AddParameters(NpgsqlParameterCollection parameters, bool withSequences)
        {
            if (withSequences) parameters.Add(new NpgsqlParameter<long[]> { TypedValue = _sequences });
            parameters.Add(new NpgsqlParameter<string[]> { TypedValue = _roles });
            parameters.Add(new NpgsqlParameter<long[]> { TypedValue = _timestamps });
            parameters.Add(new NpgsqlParameter<string[]> { TypedValue = _payloads });
            parameters.Add(new NpgsqlParameter<int[]> { TypedValue = _checksums });
            parameters.Add(new NpgsqlParameter<string[]> { TypedValue = _contents });
            parameters.Add(new NpgsqlParameter<string[]> { TypedValue = _words });
        }

        /// <summary>Adds the one row's role, timestamp, payload, checksum, text and words as plain parameters (an append of one message).</summary>
        /// <param name="parameters">The command's parameters.</param>
        public void AddSingleRowParameters(NpgsqlParameterCollection parameters)
        {
            parameters.Add(new NpgsqlParameter<string> { TypedValue = _roles[0] });
            parameters.Add(new NpgsqlParameter<long> { TypedValue = _timestamps[0] });
            parameters.Add(new NpgsqlParameter<string> { TypedValue = _payloads[0] });
            parameters.Add(new NpgsqlParameter<int> { TypedValue = _checksums[0] });
            parameters.Add(new NpgsqlParameter<string> { TypedValue = _contents[0] });
            parameters.Add(new NpgsqlParameter<string> { TypedValue = _words[0] });
        }

        /// <summary>Returns the text to index: NUL removed (PostgreSQL text cannot hold it), lone surrogates replaced, length capped.</summary>
        private static string SearchText(string text, int maxLength)
        {
            if (text.Length > maxLength) text = text[..maxLength];
            bool clean = true;
            for (int i = 0; i < text.Length && clean; i++)
            {
                char c = text[i];
                if (c == '\0' || char.IsSurrogate(c)) clean = false;
            }

            if (clean) return text;
            var sb = new StringBuilder(text.Length);
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (c == '\0') continue;
                if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    sb.Append(c).Append(text[++i]);
                }
                else
                {
                    sb.Append(char.IsSurrogate(c) ? '\uFFFD' : c);
                }
            }

            return sb.ToString();
        }
    }
}

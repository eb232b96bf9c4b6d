using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Sessions.Sdk;

/// <summary>Creates and migrates the store's schema with forward-only numbered migrations recorded in a version table.</summary>
/// <remarks>
/// Migrations run inside one <c>BEGIN IMMEDIATE</c> transaction, so concurrent instances (threads or processes)
/// migrating the same file serialize on the write lock and the later one finds the work done. A database whose
/// recorded version is newer than <see cref="LatestVersion"/> is refused with <see cref="SessionFormatException"/>.
/// Shipped migrations are never edited; a change is a new migration.
/// <para>
/// Since version 5 message rows are not indexed by a trigger when they are inserted: the full-text index covers exactly the
/// message rows whose id is at most <c>sessions_fts_state.indexed_upto</c> (the watermark), and rows above it are pending.
/// Pending rows are indexed in batches (by a background pass, by bulk writes, and always before a search runs), so an append
/// writes only its message row and its session row. The delete trigger removes indexed rows from the index and lowers the
/// watermark to the highest remaining id, so an id SQLite reuses after deleting the highest rows is never mistaken for an
/// indexed one. <c>session_messages.checksum</c> is the CRC-32C of the payload (NULL on rows written before version 5).
/// </para>
/// <para>
/// Since version 7 a single message is appended by one autocommit statement, <c>INSERT INTO session_appends</c>: the view's
/// <c>INSTEAD OF</c> trigger checks that the session row still has the sequence the writer expects (<c>message_count = seq - 1</c>,
/// read under the write lock the statement holds), inserts the message row and advances the session row (count, time, size,
/// version, token usage). A writer whose expectation is stale gets <c>RAISE(ABORT, 'sessions: stale append')</c>, nothing is
/// written, and it appends in a transaction that reads the sequence instead. The message index no longer merges its segments while
/// rows are indexed (FTS5 <c>automerge</c> 0): indexing what a search finds pending only writes a small segment, and the store's
/// background pass merges (FTS5 <c>'merge'</c>, in the same transaction as the rows it indexes) off the append and search paths.
/// </para>
/// <para>
/// Since version 8 the message index keeps a prefix index for two-character prefixes only (it kept two- and three-character
/// ones), so a token costs two index entries instead of three. Longer prefixes are found by FTS5 scanning the range of whole terms,
/// which is small from three characters on, so every query finds what it found before. The migration recreates the index empty and
/// sets the watermark to 0: every message row is pending and is indexed by the background pass or before the first search, so the
/// migration itself stays instant on a large database.
/// </para>
/// <para>
/// Since version 9 the <c>session_appends</c> trigger writes the message row only: it raises <c>sessions: stale append</c> unless the
/// session row still has the writer's id and the session's highest sequence (an index seek) is the one before the writer's, read
/// under the write lock the statement holds, then inserts the row. (A trigger rather than an <c>INSERT … SELECT</c> with the same
/// conditions: a statement that reads the table it inserts into first copies its rows to a temporary table.) The session row's
/// aggregates (count, updated time, size, version, token usage) are not rewritten by such an append: the row records what it adds
/// (<c>appended_at</c>, <c>append_size</c>, <c>append_ui</c> … <c>append_uu</c>; NULL on rows whose writer updated the session row
/// itself), and the session rows are exact for the message rows whose id is at most <c>sessions_fts_state.folded_upto</c>. Rows above
/// it are folded into their session rows (one grouped <c>UPDATE … FROM</c>) by the background pass, at the start and end of every
/// write transaction, and before every read of session rows, so every read is exact. The delete trigger lowers both watermarks.
/// An append then writes one table row and its key, as a plain INSERT does, instead of also rewriting the session row and its
/// listing index entry.
/// </para>
/// <para>
/// Since version 10 the message index merges its segments eight at a time (FTS5 <c>usermerge</c> 8, <c>crisismerge</c> 32) instead of
/// four: the background rounds rewrite each indexed entry on fewer levels (0-15% less CPU per message indexed, measured in
/// alternation with version 9 on a loaded 2-core machine), and a search visits at most a few more segments.
/// </para>
/// </remarks>
internal static class SqliteSchema
{
    /// <summary>The name of the table recording applied migrations.</summary>
    public const string VersionTable = "sessions_schema_version";

    /// <summary>Gets the shipped migrations, in order; the index + 1 is the version.</summary>
    public static IReadOnlyList<(string Name, string Sql)> Migrations { get; } =
    [
        ("base tables", """
            CREATE TABLE sessions (
                pk INTEGER PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                title TEXT NOT NULL,
                kind TEXT NOT NULL,
                tags TEXT NOT NULL,
                metadata TEXT NOT NULL,
                system_prompt TEXT,
                provider TEXT,
                model TEXT,
                parent_id TEXT,
                branched_at INTEGER,
                message_count INTEGER NOT NULL,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                size_bytes INTEGER NOT NULL,
                usage_input INTEGER NOT NULL,
                usage_output INTEGER NOT NULL,
                usage_total INTEGER NOT NULL,
                usage_cost TEXT NOT NULL,
                usage_requests INTEGER NOT NULL,
                version INTEGER NOT NULL
            );
            CREATE TABLE session_messages (
                id INTEGER PRIMARY KEY,
                session_pk INTEGER NOT NULL REFERENCES sessions(pk) ON DELETE CASCADE,
                seq INTEGER NOT NULL,
                role TEXT NOT NULL,
                ts INTEGER NOT NULL,
                text TEXT NOT NULL,
                payload BLOB NOT NULL,
                UNIQUE (session_pk, seq)
            );
            """),
        ("full-text search and listing indexes", """
            CREATE VIRTUAL TABLE session_messages_fts USING fts5(
                text, content='session_messages', content_rowid='id',
                tokenize='unicode61 remove_diacritics 2', prefix='2 3');
            CREATE VIRTUAL TABLE session_titles_fts USING fts5(
                title, content='sessions', content_rowid='pk',
                tokenize='unicode61 remove_diacritics 2', prefix='2 3');
            CREATE TRIGGER session_messages_ai AFTER INSERT ON session_messages BEGIN
                INSERT INTO session_messages_fts(rowid, text) VALUES (new.id, new.text);
            END;
            CREATE TRIGGER session_messages_ad AFTER DELETE ON session_messages BEGIN
                INSERT INTO session_messages_fts(session_messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
            END;
            CREATE TRIGGER sessions_ai AFTER INSERT ON sessions BEGIN
                INSERT INTO session_titles_fts(rowid, title) VALUES (new.pk, new.title);
            END;
            CREATE TRIGGER sessions_ad AFTER DELETE ON sessions BEGIN
                INSERT INTO session_titles_fts(session_titles_fts, rowid, title) VALUES ('delete', old.pk, old.title);
            END;
            CREATE TRIGGER sessions_au AFTER UPDATE OF title ON sessions BEGIN
                INSERT INTO session_titles_fts(session_titles_fts, rowid, title) VALUES ('delete', old.pk, old.title);
                INSERT INTO session_titles_fts(rowid, title) VALUES (new.pk, new.title);
            END;
            INSERT INTO session_messages_fts(session_messages_fts) VALUES ('rebuild');
            INSERT INTO session_titles_fts(session_titles_fts) VALUES ('rebuild');
            CREATE INDEX sessions_updated_at ON sessions(updated_at DESC, id);
            CREATE INDEX sessions_created_at ON sessions(created_at DESC, id);
            """),
        ("trash", """
            ALTER TABLE sessions ADD COLUMN trashed_at INTEGER;
            CREATE UNIQUE INDEX sessions_id_taken ON sessions(ltrim(id, '~'));
            CREATE INDEX sessions_trashed_at ON sessions(trashed_at) WHERE trashed_at IS NOT NULL;
            """),
        ("appends advance the version", """
            ALTER TABLE sessions ADD COLUMN edit_version INTEGER NOT NULL DEFAULT 0;
            UPDATE sessions SET edit_version = version;
            """),
        ("search indexing off the append path; message checksums", """
            DROP TRIGGER session_messages_ai;
            DROP TRIGGER session_messages_ad;
            CREATE TABLE sessions_fts_state (id INTEGER PRIMARY KEY CHECK (id = 1), indexed_upto INTEGER NOT NULL);
            INSERT INTO sessions_fts_state (id, indexed_upto) SELECT 1, coalesce(max(id), 0) FROM session_messages;
            CREATE TRIGGER session_messages_ad AFTER DELETE ON session_messages BEGIN
                INSERT INTO session_messages_fts(session_messages_fts, rowid, text)
                    SELECT 'delete', old.id, old.text WHERE old.id <= (SELECT indexed_upto FROM sessions_fts_state);
                UPDATE sessions_fts_state SET indexed_upto = (SELECT coalesce(max(id), 0) FROM session_messages)
                    WHERE indexed_upto > (SELECT coalesce(max(id), 0) FROM session_messages);
            END;
            ALTER TABLE session_messages ADD COLUMN checksum INTEGER;
            """),
        ("unpriced requests", """
            ALTER TABLE sessions ADD COLUMN usage_unpriced INTEGER NOT NULL DEFAULT 0;
            """),
        ("one-statement appends", """
            CREATE VIEW session_appends (session_id, session_pk, seq, role, ts, text, payload, checksum, now, size, ui, uo, ut, ur, uu) AS
                SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL WHERE 0;
            CREATE TRIGGER session_appends_insert INSTEAD OF INSERT ON session_appends BEGIN
                SELECT RAISE(ABORT, 'sessions: stale append') WHERE NOT EXISTS
                    (SELECT 1 FROM sessions WHERE pk = new.session_pk AND id = new.session_id AND message_count = new.seq - 1);
                INSERT INTO session_messages (session_pk, seq, role, ts, text, payload, checksum)
                    VALUES (new.session_pk, new.seq, new.role, new.ts, new.text, new.payload, new.checksum);
                UPDATE sessions SET message_count = new.seq, updated_at = max(updated_at, new.now), size_bytes = size_bytes + new.size,
                    version = version + 1, usage_input = usage_input + new.ui, usage_output = usage_output + new.uo,
                    usage_total = usage_total + new.ut, usage_requests = usage_requests + new.ur, usage_unpriced = usage_unpriced + new.uu
                    WHERE pk = new.session_pk;
            END;
            INSERT INTO session_messages_fts(session_messages_fts, rank) VALUES ('automerge', 0);
            """),
        ("message index with two-character prefixes only, rebuilt lazily", """
            DROP TABLE session_messages_fts;
            CREATE VIRTUAL TABLE session_messages_fts USING fts5(
                text, content='session_messages', content_rowid='id',
                tokenize='unicode61 remove_diacritics 2', prefix='2');
            INSERT INTO session_messages_fts(session_messages_fts, rank) VALUES ('automerge', 0);
            UPDATE sessions_fts_state SET indexed_upto = 0;
            """),
        ("appends leave the session row to a lazy fold", """
            DROP VIEW session_appends;
            ALTER TABLE session_messages ADD COLUMN appended_at INTEGER;
            ALTER TABLE session_messages ADD COLUMN append_size INTEGER;
            ALTER TABLE session_messages ADD COLUMN append_ui INTEGER;
            ALTER TABLE session_messages ADD COLUMN append_uo INTEGER;
            ALTER TABLE session_messages ADD COLUMN append_ut INTEGER;
            ALTER TABLE session_messages ADD COLUMN append_ur INTEGER;
            ALTER TABLE session_messages ADD COLUMN append_uu INTEGER;
            ALTER TABLE sessions_fts_state ADD COLUMN folded_upto INTEGER NOT NULL DEFAULT 0;
            UPDATE sessions_fts_state SET folded_upto = (SELECT coalesce(max(id), 0) FROM session_messages);
            DROP TRIGGER session_messages_ad;
            CREATE TRIGGER session_messages_ad AFTER DELETE ON session_messages BEGIN
                INSERT INTO session_messages_fts(session_messages_fts, rowid, text)
                    SELECT 'delete', old.id, old.text WHERE old.id <= (SELECT indexed_upto FROM sessions_fts_state);
                UPDATE sessions_fts_state SET
                    indexed_upto = min(indexed_upto, (SELECT coalesce(max(id), 0) FROM session_messages)),
                    folded_upto = min(folded_upto, (SELECT coalesce(max(id), 0) FROM session_messages))
                    WHERE max(indexed_upto, folded_upto) > (SELECT coalesce(max(id), 0) FROM session_messages);
            END;
            CREATE VIEW session_appends (session_id, session_pk, seq, role, ts, text, payload, checksum, now, size, ui, uo, ut, ur, uu) AS
                SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL WHERE 0;
            CREATE TRIGGER session_appends_insert INSTEAD OF INSERT ON session_appends BEGIN
                SELECT RAISE(ABORT, 'sessions: stale append')
                    WHERE NOT EXISTS (SELECT 1 FROM sessions WHERE pk = new.session_pk AND id = new.session_id)
                    OR coalesce((SELECT max(seq) FROM session_messages WHERE session_pk = new.session_pk), 0) <> new.seq - 1;
                INSERT INTO session_messages (session_pk, seq, role, ts, text, payload, checksum, appended_at, append_size, append_ui, append_uo, append_ut, append_ur, append_uu)
                    VALUES (new.session_pk, new.seq, new.role, new.ts, new.text, new.payload, new.checksum, new.now, new.size, new.ui, new.uo, new.ut, new.ur, new.uu);
            END;
            """),
        ("message index merges segments eight at a time", """
            INSERT INTO session_messages_fts(session_messages_fts, rank) VALUES ('usermerge', 8);
            INSERT INTO session_messages_fts(session_messages_fts, rank) VALUES ('crisismerge', 32);
            """),
    ];

    /// <summary>Gets the schema version this library creates and understands.</summary>
    public static int LatestVersion => Migrations.Count;

    /// <summary>Reads the database's schema version without taking a write lock; 0 for an empty database.</summary>
    /// <param name="connection">An open connection.</param>
    /// <returns>The highest applied migration.</returns>
    public static long ReadVersion(SqliteConnection connection)
    {
        // One statement on an existing database (the common open); an empty one has no version table yet.
        using var read = connection.CreateCommand();
        read.CommandText = $"SELECT coalesce(max(version), 0) FROM {VersionTable}";
        try
        {
            return Convert.ToInt64(read.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 1 && ex.Message.Contains("no such table", StringComparison.OrdinalIgnoreCase))
        {
            return 0;
        }
    }

    /// <summary>Applies every missing migration up to <paramref name="targetVersion"/> in one immediate transaction.</summary>
    /// <param name="connection">An open connection outside any transaction.</param>
    /// <param name="appliedAt">The time recorded for each applied migration.</param>
    /// <param name="targetVersion">The version to reach; <see cref="LatestVersion"/> unless a test builds an older database.</param>
    /// <returns>The versions applied by this call (empty when another instance did the work).</returns>
    /// <exception cref="SessionFormatException">The database is at a newer version than this library knows.</exception>
    public static IReadOnlyList<int> Migrate(SqliteConnection connection, DateTimeOffset appliedAt, int targetVersion)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(targetVersion, LatestVersion);
        long current = ReadVersion(connection);
        ThrowIfNewer(current, connection.DataSource);
        if (current >= targetVersion) return [];

        var applied = new List<int>();
        Execute(connection, "BEGIN IMMEDIATE");
        try
        {
            Execute(connection, $"CREATE TABLE IF NOT EXISTS {VersionTable} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
            current = ReadVersion(connection);
            ThrowIfNewer(current, connection.DataSource);
            for (int version = (int)current + 1; version <= targetVersion; version++)
            {
                var (name, sql) = Migrations[version - 1];
                Execute(connection, sql);
                using var record = connection.CreateCommand();
                record.CommandText = $"INSERT INTO {VersionTable} (version, name, applied_at) VALUES ($v, $n, $t)";
                record.Parameters.AddWithValue("$v", version);
                record.Parameters.AddWithValue("$n", name);
                record.Parameters.AddWithValue("$t", appliedAt.ToString("O", CultureInfo.InvariantCulture));
                record.ExecuteNonQuery();
                applied.Add(version);
            }

            Execute(connection, "COMMIT");
        }
        catch
        {
            TryRollback(connection);
            throw;
        }

        return applied;
    }

    /// <summary>Rolls back the open transaction, if any, ignoring failures (the connection is then discarded by the caller).</summary>
    /// <param name="connection">The connection.</param>
    /// <returns><see langword="true"/> when no transaction is left open.</returns>
    public static bool TryRollback(SqliteConnection connection)
    {
        try
        {
            Execute(connection, "ROLLBACK");
            return true;
        }
        catch (SqliteException ex) when (ex.Message.Contains("no transaction is active", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        catch (SqliteException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static void ThrowIfNewer(long current, string dataSource)
    {
        if (current > LatestVersion)
        {
            throw new SessionFormatException(
                $"The SQLite session database '{dataSource}' has schema version {current}, newer than the {LatestVersion} this version of Sessions.Sdk.Sqlite knows. Upgrade Sessions.Sdk.Sqlite; the database was not changed.");
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}

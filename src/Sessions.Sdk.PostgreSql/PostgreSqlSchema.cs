namespace Sessions.Sdk;

/// <summary>Holds the storage's forward-only, numbered schema migrations and the SQL text for one schema name.</summary>
/// <remarks>
/// Migrations only ever get appended; a shipped migration is never edited. Each runs once per schema, inside the
/// transaction that holds the schema's advisory lock, and records itself in <c>schema_migrations</c>.
/// Times are stored as UTC ticks (<c>bigint</c>) so they round-trip exactly; <c>seq</c> is 1-based and contiguous.
/// Since migration 7 message rows have no foreign key to their session row: every write of message rows goes through the session
/// row (appends update it in the same statement, creation inserts it first), and deleting or purging a session deletes its rows.
/// Since migration 5 a message row's <c>checksum</c> is the CRC-32C of its <c>payload</c> (NULL on rows written before).
/// Since migration 3 (trash) the session rows live in the table <c>session_rows</c> and <c>sessions</c> is a simple (automatically
/// updatable) view of the rows not in the trash, so every query by id, listing and search skips trashed sessions and the primary
/// key keeps a trashed id taken. A later migration that adds a column to <c>session_rows</c> must recreate the view
/// (<c>CREATE OR REPLACE VIEW … AS SELECT * …</c>): a view's <c>*</c> is expanded when it is created.
/// </remarks>
internal static class PostgreSqlSchema
{
    /// <summary>The text-search configuration the index is built with (no stemming or stop words, so every language and every word is found).</summary>
    /// <remarks>Words are split in .NET (maximal runs of letters and digits, lower-cased) before PostgreSQL sees them, so every store agrees on what a word is.</remarks>
    public const string TextSearchConfiguration = "simple";

    /// <summary>Gets the migrations in order; migration <c>i</c> brings the schema to version <c>i + 1</c>.</summary>
    public static IReadOnlyList<(string Description, string Sql)> Migrations { get; } =
    [
        ("sessions and messages", """
            CREATE TABLE {0}.sessions (
                id text NOT NULL PRIMARY KEY,
                title text NOT NULL,
                title_norm text NOT NULL,
                kind text NOT NULL,
                kind_norm text NOT NULL,
                tags text[] NOT NULL,
                tags_norm text[] NOT NULL,
                metadata jsonb NOT NULL,
                system_prompt text,
                provider_name text,
                provider_norm text,
                model_id text,
                model_norm text,
                parent_session_id text,
                branched_at_sequence bigint,
                message_count bigint NOT NULL,
                created_ticks bigint NOT NULL,
                updated_ticks bigint NOT NULL,
                size_bytes bigint NOT NULL,
                input_tokens bigint NOT NULL,
                output_tokens bigint NOT NULL,
                total_tokens bigint NOT NULL,
                cost numeric NOT NULL,
                requests integer NOT NULL,
                version bigint NOT NULL
            );
            CREATE TABLE {0}.messages (
                session_id text NOT NULL REFERENCES {0}.sessions (id) ON DELETE CASCADE,
                seq bigint NOT NULL,
                role text NOT NULL,
                ts_ticks bigint NOT NULL,
                payload text NOT NULL,
                content text NOT NULL,
                PRIMARY KEY (session_id, seq)
            );
            """),
        ("full-text search", """
            ALTER TABLE {0}.messages ADD COLUMN tsv tsvector;
            UPDATE {0}.messages SET tsv = to_tsvector('simple'::regconfig, lower(regexp_replace(content, '[^[:alnum:]]+', ' ', 'g')));
            ALTER TABLE {0}.messages ALTER COLUMN tsv SET NOT NULL;
            CREATE INDEX messages_tsv_idx ON {0}.messages USING gin (tsv);
            ALTER TABLE {0}.sessions ADD COLUMN title_tsv tsvector;
            UPDATE {0}.sessions SET title_tsv = to_tsvector('simple'::regconfig, lower(regexp_replace(title, '[^[:alnum:]]+', ' ', 'g')));
            ALTER TABLE {0}.sessions ALTER COLUMN title_tsv SET NOT NULL;
            CREATE INDEX sessions_title_tsv_idx ON {0}.sessions USING gin (title_tsv);
            CREATE INDEX sessions_tags_norm_idx ON {0}.sessions USING gin (tags_norm);
            """),
        ("trash", """
            ALTER TABLE {0}.sessions RENAME TO session_rows;
            ALTER TABLE {0}.session_rows ADD COLUMN trashed_ticks bigint;
            CREATE INDEX session_rows_trashed_idx ON {0}.session_rows (trashed_ticks) WHERE trashed_ticks IS NOT NULL;
            CREATE VIEW {0}.sessions AS SELECT * FROM {0}.session_rows WHERE trashed_ticks IS NULL;
            """),
        // Columns go on session_rows; the 'sessions' view of live rows is recreated to show them (new columns come last).
        ("appends advance the version", """
            ALTER TABLE {0}.session_rows ADD COLUMN edit_version bigint NOT NULL DEFAULT 1;
            UPDATE {0}.session_rows SET edit_version = version;
            CREATE OR REPLACE VIEW {0}.sessions AS SELECT * FROM {0}.session_rows WHERE trashed_ticks IS NULL;
            """),
        // Rows written before this migration keep a NULL checksum and are read as they are. Salvage keeps a copy of the
        // damaged rows it drops in damaged_messages.
        ("message checksums", """
            ALTER TABLE {0}.messages ADD COLUMN checksum integer;
            CREATE TABLE {0}.damaged_messages (
                session_id text NOT NULL,
                seq bigint NOT NULL,
                payload text,
                checksum integer,
                reason text NOT NULL,
                salvaged_ticks bigint NOT NULL
            );
            """),
        ("unpriced requests", """
            ALTER TABLE {0}.session_rows ADD COLUMN unpriced_requests integer NOT NULL DEFAULT 0;
            CREATE OR REPLACE VIEW {0}.sessions AS SELECT * FROM {0}.session_rows WHERE trashed_ticks IS NULL;
            """),
        // An append already proves its session exists (the session row's UPDATE in the same statement, whose row lock is held to
        // the commit), so the foreign key's check per message row (a trigger and a lookup of the session row) was redundant work on
        // every append. Deleting and purging a session now delete its message rows themselves, in the same transaction.
        ("appends without a foreign-key check", """
            DO $$
            DECLARE c name;
            BEGIN
                FOR c IN SELECT conname FROM pg_constraint WHERE conrelid = '{0}.messages'::regclass AND contype = 'f' LOOP
                    EXECUTE format('ALTER TABLE {0}.messages DROP CONSTRAINT %I', c);
                END LOOP;
            END
            $$;
            """),
    ];

    /// <summary>Gets the schema version this library writes.</summary>
    public static int LatestVersion => Migrations.Count;

    /// <summary>Quotes an identifier already validated as letters, digits and underscores.</summary>
    /// <param name="identifier">The identifier.</param>
    /// <returns>The quoted identifier.</returns>
    public static string Quote(string identifier) => "\"" + identifier + "\"";

    /// <summary>Computes the advisory-lock key that serializes migrations of one schema across every instance.</summary>
    /// <param name="schemaName">The schema name.</param>
    /// <returns>A stable 64-bit key (FNV-1a).</returns>
    public static long AdvisoryLockKey(string schemaName)
    {
        ulong hash = 14695981039346656037UL;
        foreach (char c in "Sessions.Sdk.PostgreSql/" + schemaName)
        {
            hash ^= c;
            hash = unchecked(hash * 1099511628211UL);
        }

        return unchecked((long)hash);
    }
}

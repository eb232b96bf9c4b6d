using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Sessions.Sdk;

/// <summary>One pooled connection with its cached prepared commands; used by one operation at a time.</summary>
internal sealed class SqliteLease : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    private Dictionary<string, sqlite3_stmt>? _statements;
    private bool _relaxed;

    public SqliteLease(SqliteConnection connection) => Connection = connection;

    /// <summary>Gets the open connection.</summary>
    public SqliteConnection Connection { get; }

    /// <summary>Gets a cached command for <paramref name="sql"/>, prepared once per connection; set its parameters with <see cref="Set"/>.</summary>
    /// <param name="sql">The statement text.</param>
    /// <returns>The command.</returns>
    public SqliteCommand Command(string sql)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = Connection.CreateCommand();
            command.CommandText = sql;
            _commands.Add(sql, command);
        }

        return command;
    }

    /// <summary>Gets a cached native statement for <paramref name="sql"/>, prepared once per connection, whose values a hot path
    /// binds by position with <see cref="raw"/> calls (no parameter lookup by name, no boxing); run it with <see cref="Run"/>.</summary>
    /// <param name="sql">One statement, with positional parameters (<c>?1</c>, <c>?2</c>, …).</param>
    /// <returns>The statement.</returns>
    /// <exception cref="SqliteException">SQLite could not prepare it.</exception>
    public sqlite3_stmt Statement(string sql)
    {
        _statements ??= new(StringComparer.Ordinal);
        if (!_statements.TryGetValue(sql, out var statement))
        {
            var db = Connection.Handle!;
            int rc = raw.sqlite3_prepare_v2(db, sql, out statement);
            if (rc != raw.SQLITE_OK)
            {
                statement?.Dispose();
                SqliteException.ThrowExceptionForRC(rc, db);
            }

            _statements.Add(sql, statement!);
        }

        return statement!;
    }

    /// <summary>Runs a statement of <see cref="Statement"/> that returns no rows (autocommit, outside any transaction of this
    /// connection), then resets it, so it holds no lock between executions.</summary>
    /// <param name="statement">The statement, its values bound.</param>
    /// <exception cref="SqliteException">SQLite reported an error (the statement then changed nothing).</exception>
    public void Run(sqlite3_stmt statement)
    {
        try
        {
            int rc = raw.sqlite3_step(statement);
            if (rc != raw.SQLITE_DONE) SqliteException.ThrowExceptionForRC(rc, Connection.Handle);
        }
        finally
        {
            raw.sqlite3_reset(statement);
        }
    }

    /// <summary>Sets (adding when missing) a named parameter of a cached command.</summary>
    /// <param name="command">The command.</param>
    /// <param name="name">The parameter name, with its prefix.</param>
    /// <param name="value">The value; <see langword="null"/> for SQL NULL.</param>
    public static void Set(SqliteCommand command, string name, object? value)
    {
        var parameters = command.Parameters;
        int index = parameters.IndexOf(name);
        if (index >= 0) parameters[index].Value = value ?? DBNull.Value;
        else parameters.AddWithValue(name, value ?? DBNull.Value);
    }

    /// <summary>Runs a statement without results.</summary>
    /// <param name="sql">The statement text.</param>
    public void Execute(string sql) => Command(sql).ExecuteNonQuery();

    /// <summary>On a connection configured with <c>synchronous = FULL</c>: switches to <c>NORMAL</c> for a write of derived data
    /// (<paramref name="relaxed"/>) or back to <c>FULL</c>; outside any transaction, and only when the mode changes.</summary>
    /// <param name="relaxed">Whether the next commit may skip its fsync.</param>
    public void Relax(bool relaxed)
    {
        if (_relaxed == relaxed) return;
        Execute(relaxed ? "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = FULL");
        _relaxed = relaxed;
    }

    /// <summary>Disposes the cached commands and closes the connection.</summary>
    public void Dispose()
    {
        foreach (var command in _commands.Values) command.Dispose();
        _commands.Clear();
        if (_statements is not null)
        {
            foreach (var statement in _statements.Values) statement.Dispose(); // finalized before their connection closes
            _statements.Clear();
        }

        Connection.Dispose();
    }
}

using Microsoft.Data.Sqlite;

namespace Sessions.Sdk;

/// <summary>One pooled connection with its cached prepared commands; used by one operation at a time.</summary>
internal sealed class SqliteLease : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

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

    /// <summary>Gets a cached command for <paramref name="sql"/> whose parameters are created once, in the order of
    /// <paramref name="names"/>, so a hot path sets them by index.</summary>
    /// <param name="sql">The statement text.</param>
    /// <param name="names">The parameter names, with their prefix.</param>
    /// <returns>The command.</returns>
    public SqliteCommand Prepared(string sql, params ReadOnlySpan<string> names)
    {
        var command = Command(sql);
        if (command.Parameters.Count == 0)
        {
            foreach (string name in names) command.Parameters.Add(new SqliteParameter(name, DBNull.Value));
        }

        return command;
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
        Connection.Dispose();
    }
}

using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Sessions.Sdk;

/// <summary>Keeps open, configured connections (PRAGMAs, functions, prepared statements) for reuse by the store.</summary>
/// <remarks>Thread-safe. A rented connection is used by one operation at a time and returned with <see cref="Return"/>.</remarks>
internal sealed class SqliteConnectionPool : IDisposable
{
    private readonly ConcurrentBag<SqliteLease> _idle = [];
    private readonly string _connectionString;
    private readonly SqliteStorageOptions _options;
    private readonly int _maxIdle;
    private volatile bool _disposed;

    public SqliteConnectionPool(string connectionString, SqliteStorageOptions options, int maxIdle = 16)
    {
        _connectionString = connectionString;
        _options = options;
        _maxIdle = maxIdle;
    }

    /// <summary>Takes an idle connection or opens and configures a new one.</summary>
    /// <returns>The lease.</returns>
    /// <exception cref="ObjectDisposedException">The pool was disposed.</exception>
    public SqliteLease Rent()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_idle.TryTake(out var lease)) return lease;
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            Configure(connection);
            return new SqliteLease(connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Returns a lease for reuse, or closes it when it is broken or the pool is full or disposed.</summary>
    /// <param name="lease">The lease.</param>
    /// <param name="broken">Whether the connection may be left in an unknown state.</param>
    public void Return(SqliteLease lease, bool broken = false)
    {
        if (broken || _disposed || _idle.Count >= _maxIdle)
        {
            lease.Dispose();
            return;
        }

        _idle.Add(lease);
        if (_disposed && _idle.TryTake(out var late)) late.Dispose();
    }

    /// <summary>Closes every idle connection.</summary>
    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryTake(out var lease)) lease.Dispose();
    }

    private void Configure(SqliteConnection connection)
    {
        long busyMs = (long)_options.BusyTimeout.TotalMilliseconds;
        string synchronous = _options.Synchronous == SqliteSynchronousMode.Full ? "FULL" : "NORMAL";
        using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {busyMs}; PRAGMA synchronous = {synchronous}; PRAGMA foreign_keys = ON; PRAGMA journal_size_limit = 4194304; PRAGMA wal_autocheckpoint = 0;");
            pragma.ExecuteNonQuery();
        }

        // Case-insensitive comparisons with .NET's ordinal-ignore-case rules, which SQLite's ASCII-only NOCASE and lower() lack.
        connection.CreateFunction("sessions_iequals", static (string? a, string? b) => a is not null && b is not null && string.Equals(a, b, StringComparison.OrdinalIgnoreCase), isDeterministic: true);
        connection.CreateFunction("sessions_icontains", static (string? text, string? part) => text is not null && part is not null && text.Contains(part, StringComparison.OrdinalIgnoreCase), isDeterministic: true);
        connection.CreateCollation("SESSIONS_NOCASE", static (a, b) => string.Compare(a, b, StringComparison.OrdinalIgnoreCase));
    }
}

using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Sessions.Sdk.Tests;

/// <summary>A temporary directory holding SQLite database files for one test or fixture; deleted on dispose.</summary>
internal sealed class SqliteTestDatabase : IDisposable
{
    private readonly List<SqliteSessionStorage> _stores = [];

    public SqliteTestDatabase()
    {
        Directory = Path.Combine(Path.GetTempPath(), "sessions-sqlite-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        FilePath = Path.Combine(Directory, "sessions.db");
    }

    /// <summary>Gets the temporary directory.</summary>
    public string Directory { get; }

    /// <summary>Gets the default database file path in <see cref="Directory"/>.</summary>
    public string FilePath { get; }

    /// <summary>Gets the connection string of <see cref="FilePath"/>.</summary>
    public string ConnectionString => $"Data Source={FilePath}";

    /// <summary>Returns a connection string for another database file in the directory.</summary>
    public string ConnectionStringFor(string fileName) => $"Data Source={Path.Combine(Directory, fileName)}";

    /// <summary>Creates a store over <see cref="FilePath"/> (or <paramref name="connectionString"/>) that is disposed with this object.</summary>
    public SqliteSessionStorage CreateStore(string? connectionString = null, TimeProvider? timeProvider = null, Action<SqliteStorageOptions>? configure = null)
    {
        var options = new SqliteStorageOptions { ConnectionString = connectionString ?? ConnectionString };
        configure?.Invoke(options);
        var store = new SqliteSessionStorage(options, timeProvider ?? TimeProvider.System, NullLogger.Instance);
        lock (_stores) _stores.Add(store);
        return store;
    }

    /// <summary>Opens a raw connection to the database (for inspecting or corrupting it).</summary>
    public SqliteConnection OpenRaw(string? connectionString = null)
    {
        var connection = new SqliteConnection(connectionString ?? ConnectionString);
        connection.Open();
        return connection;
    }

    public void Dispose()
    {
        lock (_stores)
        {
            foreach (var store in _stores) store.Dispose();
            _stores.Clear();
        }

        SqliteConnection.ClearAllPools();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

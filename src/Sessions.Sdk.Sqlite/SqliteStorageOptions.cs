using Microsoft.Data.Sqlite;

namespace Sessions.Sdk;

/// <summary>Configures the SQLite session store registered by <c>UseSqliteStorage</c>.</summary>
public sealed class SqliteStorageOptions
{
    /// <summary>Gets or sets the Microsoft.Data.Sqlite connection string, such as <c>Data Source=sessions.db</c>.</summary>
    /// <value>The default value is <see langword="null"/>; a value is required.</value>
    /// <remarks>The database file and its directory are created when missing. A private in-memory database
    /// (<c>Data Source=:memory:</c>) is refused because every pooled connection would see a different database;
    /// use <c>Data Source=name;Mode=Memory;Cache=Shared</c> for a shared in-memory database.</remarks>
    public string? ConnectionString { get; set; }

    /// <summary>Gets or sets how committed transactions are synced to disk.</summary>
    /// <value>The default value is <see cref="SqliteSynchronousMode.Normal"/> (crash-safe, not power-loss-safe).</value>
    public SqliteSynchronousMode Synchronous { get; set; } = SqliteSynchronousMode.Normal;

    /// <summary>Gets or sets how long a statement waits for another writer's lock before the store retries.</summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets how many times a transaction is retried after the database stayed busy for <see cref="BusyTimeout"/>.</summary>
    /// <value>The default value is 10.</value>
    public int MaxBusyRetries { get; set; } = 10;

    /// <summary>Gets or sets the time provider used for <see cref="SessionInfo.UpdatedAt"/>; the registered one when <see langword="null"/>.</summary>
    /// <value>The default value is <see langword="null"/>: the <see cref="System.TimeProvider"/> service if registered, else the system clock.</value>
    public TimeProvider? TimeProvider { get; set; }

    /// <summary>Checks every option and throws for the first invalid one.</summary>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw new ArgumentException($"{nameof(SqliteStorageOptions)}.{nameof(ConnectionString)} is required, for example \"Data Source=sessions.db\".", nameof(ConnectionString));
        }

        SqliteConnectionStringBuilder builder;
        try
        {
            builder = new SqliteConnectionStringBuilder(ConnectionString);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or KeyNotFoundException)
        {
            throw new ArgumentException($"{nameof(SqliteStorageOptions)}.{nameof(ConnectionString)} is not a valid SQLite connection string: {ex.Message}", nameof(ConnectionString), ex);
        }

        if (string.IsNullOrWhiteSpace(builder.DataSource))
        {
            throw new ArgumentException($"{nameof(SqliteStorageOptions)}.{nameof(ConnectionString)} names no 'Data Source'; give a database file, for example \"Data Source=sessions.db\".", nameof(ConnectionString));
        }

        bool memory = builder.Mode == SqliteOpenMode.Memory || string.Equals(builder.DataSource, ":memory:", StringComparison.Ordinal);
        if (memory && builder.Cache != SqliteCacheMode.Shared)
        {
            throw new ArgumentException($"{nameof(SqliteStorageOptions)}.{nameof(ConnectionString)} names a private in-memory database, which each pooled connection would see empty; use \"Data Source=name;Mode=Memory;Cache=Shared\" or a file.", nameof(ConnectionString));
        }

        if (builder.Mode == SqliteOpenMode.ReadOnly)
        {
            throw new ArgumentException($"{nameof(SqliteStorageOptions)}.{nameof(ConnectionString)} opens the database read-only; the session store needs to write (remove 'Mode=ReadOnly').", nameof(ConnectionString));
        }

        if (!Enum.IsDefined(Synchronous))
        {
            throw new ArgumentException($"{nameof(SqliteStorageOptions)}.{nameof(Synchronous)} has an unknown value {(int)Synchronous}.", nameof(Synchronous));
        }

        if (BusyTimeout < TimeSpan.Zero || BusyTimeout > TimeSpan.FromMinutes(10))
        {
            throw new ArgumentException($"{nameof(SqliteStorageOptions)}.{nameof(BusyTimeout)} must be between 0 and 10 minutes; it was {BusyTimeout}.", nameof(BusyTimeout));
        }

        if (MaxBusyRetries is < 0 or > 1000)
        {
            throw new ArgumentException($"{nameof(SqliteStorageOptions)}.{nameof(MaxBusyRetries)} must be between 0 and 1000; it was {MaxBusyRetries}.", nameof(MaxBusyRetries));
        }
    }
}

using Npgsql;

namespace Sessions.Sdk.Tests;

/// <summary>Locates the test PostgreSQL server and creates isolated schemas in its database.</summary>
/// <remarks>
/// The connection string comes from SESSIONS_TEST_POSTGRES (set by .ci/run). Without it, tests fail in CI (CI=true)
/// and are skipped with a visible reason elsewhere.
/// </remarks>
internal static class PostgreSqlTestDatabase
{
    public const string ConnectionStringVariable = "SESSIONS_TEST_POSTGRES";

    /// <summary>Returns the connection string, or fails (CI) / ignores (developer machine) the current test when it is missing.</summary>
    public static string RequireConnectionString()
    {
        string? connectionString = Environment.GetEnvironmentVariable(ConnectionStringVariable);
        if (!string.IsNullOrWhiteSpace(connectionString)) return connectionString;
        string reason = $"{ConnectionStringVariable} is not set: PostgreSQL tests need a server (run `bash .ci/run`, or export " +
            $"{ConnectionStringVariable}=\"Host=127.0.0.1;Port=5432;Username=…;Password=…;Database=…\").";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail("CI=true but " + reason);
        }

        Assert.Ignore(reason);
        return string.Empty;
    }

    /// <summary>Creates a unique schema name for one fixture or test.</summary>
    public static string NewSchemaName(string hint)
    {
        string name = $"t_{hint}_{Guid.NewGuid():N}";
        return name.Length <= 63 ? name : name[..63];
    }

    /// <summary>Creates a data source on the test server the way <c>UsePostgreSqlStorage(connectionString)</c> does (the slim
    /// builder with arrays, no reset on close), so every test runs the store on the data source applications get.</summary>
    public static NpgsqlDataSource CreateDataSource() => PostgreSqlSessionStorage.CreateDataSource(RequireConnectionString(), null);

    /// <summary>Creates a storage over <paramref name="dataSource"/> for <paramref name="schema"/>.</summary>
    public static PostgreSqlSessionStorage CreateStorage(NpgsqlDataSource dataSource, string schema, TimeProvider? timeProvider = null) =>
        new(dataSource, ownsDataSource: false, new PostgreSqlStorageOptions { SchemaName = schema }, timeProvider);

    /// <summary>Drops a schema and everything in it, ignoring a missing one.</summary>
    public static async Task DropSchemaAsync(NpgsqlDataSource dataSource, string schema)
    {
        await using var command = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE");
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Runs a scalar query.</summary>
    public static async Task<T> ScalarAsync<T>(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Runs a statement.</summary>
    public static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}

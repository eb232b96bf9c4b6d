using Npgsql;

namespace Sessions.Sdk;

/// <summary>Configures the PostgreSQL session storage.</summary>
/// <remarks>Bind it from configuration or set it in code; it is validated when the storage is registered and again at host start.</remarks>
public sealed class PostgreSqlStorageOptions
{
    /// <summary>Gets or sets the Npgsql connection string, such as <c>Host=db;Username=app;Password=…;Database=app</c>.</summary>
    /// <value>The default value is <see langword="null"/>; required unless a <see cref="NpgsqlDataSource"/> is given.</value>
    public string? ConnectionString { get; set; }

    /// <summary>Gets or sets the schema that holds the storage's tables; it is created when missing.</summary>
    /// <value>The default value is <c>sessions</c>. Letters, digits and <c>_</c>, starting with a letter or <c>_</c>, at most 63 characters.</value>
    public string SchemaName { get; set; } = "sessions";

    /// <summary>Gets or sets how many characters of each message's text are indexed for search.</summary>
    /// <value>The default value is 200,000. The full message is always stored; only search ignores text past this point.</value>
    public int MaxIndexedTextLength { get; set; } = 200_000;

    /// <summary>Gets or sets the data source given to <c>UsePostgreSqlStorage(dataSource)</c>; the caller owns it, and no connection string is needed.</summary>
    internal NpgsqlDataSource? DataSource { get; set; }

    /// <summary>Returns the problems of these options, or an empty list when they are valid.</summary>
    /// <param name="requireConnectionString">Whether a connection string is required (no data source given).</param>
    /// <returns>One message per problem, naming the option.</returns>
    internal List<string> Validate(bool requireConnectionString)
    {
        var problems = new List<string>();
        if (requireConnectionString)
        {
            if (string.IsNullOrWhiteSpace(ConnectionString))
            {
                problems.Add($"{nameof(ConnectionString)} is required: set it, or pass an NpgsqlDataSource.");
            }
            else
            {
                try
                {
                    _ = new NpgsqlConnectionStringBuilder(ConnectionString);
                }
                catch (ArgumentException ex)
                {
                    problems.Add($"{nameof(ConnectionString)} is not a valid Npgsql connection string: {ex.Message}");
                }
            }
        }

        if (!IsIdentifier(SchemaName))
        {
            problems.Add($"{nameof(SchemaName)} '{SchemaName}' is not valid: use 1 to 63 letters, digits or '_', starting with a letter or '_'.");
        }

        if (MaxIndexedTextLength < 1)
        {
            problems.Add($"{nameof(MaxIndexedTextLength)} must be positive; it is {MaxIndexedTextLength}.");
        }

        return problems;
    }

    /// <summary>Returns whether a name is 1 to 63 ASCII letters, digits or <c>_</c>, starting with a letter or <c>_</c>.</summary>
    /// <remarks>A loop, not a regular expression: this runs in every new process before the first connection.</remarks>
    private static bool IsIdentifier(string? name)
    {
        if (name is not { Length: >= 1 and <= 63 } || char.IsAsciiDigit(name[0])) return false;
        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_') return false;
        }

        return true;
    }
}

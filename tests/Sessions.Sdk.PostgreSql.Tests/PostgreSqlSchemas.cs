using Npgsql;

namespace Sessions.Sdk.Tests;

/// <summary>A fixture's throwaway schemas on the test server: one data source, a new schema whenever a test asks, all dropped at the end.</summary>
/// <param name="hint">A short word naming the fixture in the schemas' names.</param>
internal sealed class PostgreSqlSchemas(string hint)
{
    private readonly List<string> _names = [];
    private NpgsqlDataSource? _dataSource;

    /// <summary>Gets the data source on the test server.</summary>
    public NpgsqlDataSource DataSource => _dataSource ?? throw new InvalidOperationException("Call Connect first.");

    /// <summary>Connects; call from [OneTimeSetUp].</summary>
    public void Connect() => _dataSource = PostgreSqlTestDatabase.CreateDataSource();

    /// <summary>Names a new schema (a store creates it on first use) that <see cref="DropAsync"/> drops.</summary>
    /// <returns>The schema's name.</returns>
    public string New()
    {
        string schema = PostgreSqlTestDatabase.NewSchemaName(hint);
        _names.Add(schema);
        return schema;
    }

    /// <summary>Drops every schema named and disconnects; call from [OneTimeTearDown].</summary>
    public async Task DropAsync()
    {
        if (_dataSource is null) return;
        foreach (string schema in _names) await PostgreSqlTestDatabase.DropSchemaAsync(_dataSource, schema);
        await _dataSource.DisposeAsync();
    }
}

using Npgsql;

namespace Sessions.Sdk.Tests;

/// <summary>One fixture's schema on the test server: its data source, a store shared by the fixture's tests, more stores on the
/// same schema (with a clock, or through a pool of their own as another process would), and the schema dropped at the end.</summary>
/// <remarks>The conformance fixtures derive from different suites, so they hold one of these instead of sharing a base class.</remarks>
internal sealed class PostgreSqlSchemaFixture(string hint)
{
    private NpgsqlDataSource? _dataSource;
    private PostgreSqlSessionStorage? _shared;

    /// <summary>Gets the schema's name.</summary>
    public string Schema { get; private set; } = string.Empty;

    /// <summary>Gets the data source on the test server.</summary>
    public NpgsqlDataSource DataSource => _dataSource ?? throw new InvalidOperationException("Call Create first.");

    /// <summary>Gets the store the fixture's tests share.</summary>
    public PostgreSqlSessionStorage Shared => _shared ?? throw new InvalidOperationException("Call Create first.");

    /// <summary>Connects and names a new schema (the store creates it on first use); call from [OneTimeSetUp].</summary>
    public void Create()
    {
        _dataSource = PostgreSqlTestDatabase.CreateDataSource();
        Schema = PostgreSqlTestDatabase.NewSchemaName(hint);
        _shared = PostgreSqlTestDatabase.CreateStorage(_dataSource, Schema);
    }

    /// <summary>Disposes the shared store and drops the schema; call from [OneTimeTearDown].</summary>
    public async Task DropAsync()
    {
        if (_shared is not null) await _shared.DisposeAsync();
        if (_dataSource is not null)
        {
            await PostgreSqlTestDatabase.DropSchemaAsync(_dataSource, Schema);
            await _dataSource.DisposeAsync();
        }
    }

    /// <summary>Returns the shared store.</summary>
    public ValueTask<ISessionStorage> SharedAsync() => ValueTask.FromResult<ISessionStorage>(Shared);

    /// <summary>Returns a store on the same schema with its own clock.</summary>
    public ValueTask<ISessionStorage?> WithClockAsync(TimeProvider timeProvider) =>
        ValueTask.FromResult<ISessionStorage?>(PostgreSqlTestDatabase.CreateStorage(DataSource, Schema, timeProvider));

    /// <summary>Opens the same schema through a new data source (its own connection pool), as another process would.</summary>
    public ValueTask<ISessionStorage> ReopenAsync() =>
        ValueTask.FromResult<ISessionStorage>(new PostgreSqlSessionStorage(
            NpgsqlDataSource.Create(PostgreSqlTestDatabase.RequireConnectionString()), ownsDataSource: true, new PostgreSqlStorageOptions { SchemaName = Schema }));

    /// <summary>Gets a value indicating whether <paramref name="storage"/> is the shared store (which the fixture disposes, not the test).</summary>
    public bool IsShared(ISessionStorage storage) => ReferenceEquals(storage, _shared);
}

using Microsoft.Extensions.AI;
using Npgsql;

namespace Sessions.Sdk.Tests;

/// <summary>Checks schema creation, upgrades with data in place, concurrent migrators and newer-schema refusal.</summary>
[TestFixture]
[Category("Integration")]
public sealed class PostgreSqlMigrationTests
{
    private static readonly DateTimeOffset Time = new(2024, 5, 1, 8, 30, 0, TimeSpan.Zero);
    private readonly PostgreSqlSchemas _schemas = new("mig");

    [OneTimeSetUp]
    public void Connect() => _schemas.Connect();

    [OneTimeTearDown]
    public Task DropSchemas() => _schemas.DropAsync();

    [Test]
    public async Task FirstUse_FreshDatabase_CreatesSchemaAtLatestVersion()
    {
        string schema = NewSchema();
        await using var storage = PostgreSqlTestDatabase.CreateStorage(_schemas.DataSource, schema);

        Assert.That(await storage.GetAsync("absent"), Is.Null);

        var versions = await VersionsAsync(schema);
        Assert.That(versions, Is.EqualTo(Enumerable.Range(1, PostgreSqlSchema.LatestVersion).ToArray()));
        long indexes = await PostgreSqlTestDatabase.ScalarAsync<long>(_schemas.DataSource,
            $"SELECT count(*) FROM pg_indexes WHERE schemaname = '{schema}' AND indexname IN ('messages_tsv_idx', 'sessions_title_tsv_idx')");
        Assert.That(indexes, Is.EqualTo(2));
        TestContext.Out.WriteLine($"schema {schema} created at version {versions.Max()}");
    }

    [Test]
    public async Task FirstUse_SchemaAtFirstVersionWithData_UpgradesAndKeepsData()
    {
        string schema = NewSchema();
        await using (var old = PostgreSqlTestDatabase.CreateStorage(_schemas.DataSource, schema))
        {
            Assert.That(await old.MigrateAsync(1, CancellationToken.None), Is.EqualTo(1));
        }

        // Rows exactly as version 1 of the schema held them (no search columns yet).
        var first = new SessionMessage { Sequence = 1, Message = new ChatMessage(ChatRole.User, "Where is the lighthouse?"), Timestamp = Time };
        var second = new SessionMessage { Sequence = 2, Message = new ChatMessage(ChatRole.Assistant, "The lighthouse stands on Pharos island."), Timestamp = Time.AddSeconds(1) };
        const string metadata = "{\"owner\":\"ada\"}";
        await PostgreSqlTestDatabase.ExecuteAsync(_schemas.DataSource, $"""
            INSERT INTO "{schema}".sessions (id, title, title_norm, kind, kind_norm, tags, tags_norm, metadata, system_prompt, provider_name, provider_norm,
                model_id, model_norm, parent_session_id, branched_at_sequence, message_count, created_ticks, updated_ticks, size_bytes,
                input_tokens, output_tokens, total_tokens, cost, requests, version)
            VALUES ('legacy', 'Ancient wonders', 'ANCIENT WONDERS', 'chat', 'CHAT', ARRAY['history'], ARRAY['HISTORY'], '{metadata}', NULL, 'openai', 'OPENAI',
                NULL, NULL, NULL, NULL, 2, {Time.UtcTicks}, {Time.UtcTicks}, 100, 1, 2, 3, 0.5, 1, 3)
            """);
        await using (var insert = _schemas.DataSource.CreateCommand($"""
            INSERT INTO "{schema}".messages (session_id, seq, role, ts_ticks, payload, content) VALUES
                ('legacy', 1, 'user', {first.Timestamp.UtcTicks}, $1, $2),
                ('legacy', 2, 'assistant', {second.Timestamp.UtcTicks}, $3, $4)
            """))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = SessionJson.SerializeMessageToString(first) });
            insert.Parameters.Add(new NpgsqlParameter { Value = first.Text });
            insert.Parameters.Add(new NpgsqlParameter { Value = SessionJson.SerializeMessageToString(second) });
            insert.Parameters.Add(new NpgsqlParameter { Value = second.Text });
            await insert.ExecuteNonQueryAsync();
        }

        await using var storage = PostgreSqlTestDatabase.CreateStorage(_schemas.DataSource, schema);
        var info = await storage.GetAsync("legacy");
        var messages = await storage.GetMessagesAsync("legacy", MessageRange.All);
        var hits = await ToListAsync(storage.SearchAsync(new SessionSearchQuery { Text = "lighthouse" }));
        var titleHits = await ToListAsync(storage.SearchAsync(new SessionSearchQuery { Text = "wonder" }));
        var appended = await storage.AppendMessagesAsync("legacy", [new SessionMessage { Message = new ChatMessage(ChatRole.User, "thanks"), Timestamp = Time.AddSeconds(2) }]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await VersionsAsync(schema), Is.EqualTo(Enumerable.Range(1, PostgreSqlSchema.LatestVersion).ToArray()));
            Assert.That(info!.Title, Is.EqualTo("Ancient wonders"));
            Assert.That(info.Version, Is.EqualTo(3));
            Assert.That(info.Metadata["owner"], Is.EqualTo("ada"));
            Assert.That(info.Usage.Cost, Is.EqualTo(0.5m));
            Assert.That(messages.Select(m => m.Text), Is.EqualTo(new[] { first.Text, second.Text }));
            Assert.That(hits.Select(h => h.Sequence), Is.EquivalentTo(new long?[] { 1, 2 }));
            Assert.That(titleHits.Single().Sequence, Is.Null);
            Assert.That(appended.Single().Sequence, Is.EqualTo(3));
        }

        TestContext.Out.WriteLine($"upgraded {schema} from 1 to {PostgreSqlSchema.LatestVersion}; {messages.Count} old messages kept, {hits.Count} found by search");
    }

    [Test]
    public async Task FirstUse_ManyInstancesAtOnce_MigrateOnceAndAllSucceed()
    {
        string schema = NewSchema();
        const int instances = 6;
        var dataSources = Enumerable.Range(0, instances).Select(_ => PostgreSqlTestDatabase.CreateDataSource()).ToArray();
        var storages = dataSources.Select(ds => PostgreSqlTestDatabase.CreateStorage(ds, schema)).ToArray();
        try
        {
            using var start = new Barrier(instances);
            var tasks = storages.Select((storage, i) => Task.Run(async () =>
            {
                start.SignalAndWait();
                var session = new SessionInfo { Id = $"instance-{i}", CreatedAt = Time, UpdatedAt = Time };
                await storage.CreateAsync(session, []);
                return await storage.ExistsAsync(session.Id);
            })).ToArray();

            bool[] results = await Task.WhenAll(tasks);

            Assert.That(results, Is.All.True);
            Assert.That(await VersionsAsync(schema), Is.EqualTo(Enumerable.Range(1, PostgreSqlSchema.LatestVersion).ToArray()));
            Assert.That(await PostgreSqlTestDatabase.ScalarAsync<long>(_schemas.DataSource, $"SELECT count(*) FROM \"{schema}\".sessions"), Is.EqualTo(instances));
            TestContext.Out.WriteLine($"{instances} instances started at once on an empty schema; every migration applied once");
        }
        finally
        {
            foreach (var storage in storages) await storage.DisposeAsync();
            foreach (var ds in dataSources) await ds.DisposeAsync();
        }
    }

    [Test]
    public async Task FirstUse_SchemaNewerThanLibrary_ThrowsSessionFormatException()
    {
        string schema = NewSchema();
        await using (var current = PostgreSqlTestDatabase.CreateStorage(_schemas.DataSource, schema))
        {
            await current.ExistsAsync("x");
        }

        int newer = PostgreSqlSchema.LatestVersion + 1;
        await PostgreSqlTestDatabase.ExecuteAsync(_schemas.DataSource, $"INSERT INTO \"{schema}\".schema_migrations (version, description) VALUES ({newer}, 'from the future')");
        await using var storage = PostgreSqlTestDatabase.CreateStorage(_schemas.DataSource, schema);

        var ex = await Assert.ThrowsAsync<SessionFormatException>(() => storage.GetAsync("x").AsTask());

        Assert.That(ex!.Message, Does.Contain($"version {newer}").And.Contain(schema));
        Assert.That(await PostgreSqlTestDatabase.ScalarAsync<int>(_schemas.DataSource, $"SELECT max(version) FROM \"{schema}\".schema_migrations"), Is.EqualTo(newer));
    }

    [Test]
    public async Task MigrateAsync_AlreadyCurrent_AppliesNothing()
    {
        string schema = NewSchema();
        await using var storage = PostgreSqlTestDatabase.CreateStorage(_schemas.DataSource, schema);
        await storage.MigrateAsync(int.MaxValue, CancellationToken.None);

        int version = await storage.MigrateAsync(int.MaxValue, CancellationToken.None);

        Assert.That(version, Is.EqualTo(PostgreSqlSchema.LatestVersion));
        Assert.That(await VersionsAsync(schema), Has.Length.EqualTo(PostgreSqlSchema.LatestVersion));
    }

    private string NewSchema() => _schemas.New();

    private async Task<int[]> VersionsAsync(string schema)
    {
        await using var command = _schemas.DataSource.CreateCommand($"SELECT version FROM \"{schema}\".schema_migrations ORDER BY version");
        await using var reader = await command.ExecuteReaderAsync();
        var versions = new List<int>();
        while (await reader.ReadAsync()) versions.Add(reader.GetInt32(0));
        return [.. versions];
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> source)
    {
        var list = new List<T>();
        await foreach (var item in source) list.Add(item);
        return list;
    }
}

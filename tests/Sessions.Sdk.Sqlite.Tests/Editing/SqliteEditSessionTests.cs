using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Sessions.Sdk.Tests;

/// <summary>Edit sessions on the SQLite store: backups live in the session, so rollback after a restart restores exact bytes.</summary>
public sealed class SqliteEditSessionTests
{
    private SqliteTestDatabase _db = null!;
    private string _workspace = null!;

    [SetUp]
    public void SetUp()
    {
        _db = new SqliteTestDatabase();
        _workspace = Path.Combine(_db.Directory, "workspace");
        Directory.CreateDirectory(Path.Combine(_workspace, "src"));
    }

    [TearDown]
    public void TearDown()
    {
        SqliteConnection.ClearAllPools();
        _db.Dispose();
    }

    [Test]
    public async Task RollbackAsync_AfterARestart_OnSqlite_RestoresExactBytes()
    {
        byte[] crlfWithBom = [0xEF, 0xBB, 0xBF, .. "line one\r\nline two\r\n"u8];
        File.WriteAllBytes(Path.Combine(_workspace, "src/a.cs"), crlfWithBom);
        File.WriteAllText(Path.Combine(_workspace, "b.txt"), "keep me\n");
        var before = Snapshot();

        string id;
        await using (var provider = Build())
        {
            var editor = await provider.GetRequiredService<IEditSessionManager>().CreateAsync(_workspace);
            id = editor.Session.Id;
            await editor.ApplyBatchAsync(new EditBatch("change", [
                EditOperation.Replace("src/a.cs", "two", "2"),
                EditOperation.DeleteFile("b.txt"),
                EditOperation.CreateFile("src/new.cs", "class New {}\n"),
            ]));
        }

        Assert.That(Snapshot(), Is.Not.EqualTo(before));
        SqliteConnection.ClearAllPools();

        await using (var provider = Build())
        {
            var editor = await provider.GetRequiredService<IEditSessionManager>().OpenAsync(id);
            Assert.That(editor.Batches, Has.Count.EqualTo(1));
            Assert.That(editor.Batches[0].Status, Is.EqualTo(EditBatchStatus.Applied));
            var rolledBack = await editor.RollbackAsync();
            Assert.That(rolledBack.Status, Is.EqualTo(EditBatchStatus.RolledBack));
        }

        Assert.That(Snapshot(), Is.EqualTo(before));
        Assert.That(File.ReadAllBytes(Path.Combine(_workspace, "src/a.cs")), Is.EqualTo(crlfWithBom));

        await using (var provider = Build())
        {
            var editor = await provider.GetRequiredService<IEditSessionManager>().OpenAsync(id);
            Assert.That(editor.Batches[0].Status, Is.EqualTo(EditBatchStatus.RolledBack));
        }
    }

    private ServiceProvider Build()
    {
        var services = new ServiceCollection();
        services.AddSessions().UseSqliteStorage(_db.ConnectionString).AddEditing();
        return services.BuildServiceProvider();
    }

    private Dictionary<string, string> Snapshot() =>
        Directory.EnumerateFiles(_workspace, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(_workspace, f), f => Convert.ToHexString(File.ReadAllBytes(f)), StringComparer.Ordinal);
}

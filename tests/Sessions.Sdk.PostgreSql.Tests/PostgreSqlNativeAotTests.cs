using System.Reflection;

namespace Sessions.Sdk.Tests;

/// <summary>
/// The PostgreSQL store can be published with Native AOT: its assembly and every assembly it loads outside the shared framework
/// declare themselves AOT-compatible. The SDK writes that declaration when a project sets <c>IsAotCompatible</c>, which also runs
/// the trim and AOT analyzers on every build of the project (warnings are errors), so this fails when the property is dropped or a
/// dependency that is not AOT-compatible is added. The W7-PostgreSql benchmark publishes and runs the store with Native AOT.
/// </summary>
[TestFixture]
public sealed class PostgreSqlNativeAotTests
{
    [Test]
    public void StoreAndEveryAssemblyItDependsOn_DeclareAotCompatibility()
    {
        string framework = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var store = typeof(PostgreSqlStorageOptions).Assembly;
        var seen = new Dictionary<string, Assembly>(StringComparer.Ordinal) { [store.GetName().Name!] = store };
        var pending = new Queue<Assembly>([store]);
        while (pending.TryDequeue(out var assembly))
        {
            foreach (var reference in assembly.GetReferencedAssemblies())
            {
                if (seen.ContainsKey(reference.Name!)) continue;
                var loaded = Assembly.Load(reference);
                seen[reference.Name!] = loaded;
                if (!string.Equals(Path.GetDirectoryName(loaded.Location), framework, StringComparison.Ordinal)) pending.Enqueue(loaded);
            }
        }

        var outside = seen.Values.Where(a => !string.Equals(Path.GetDirectoryName(a.Location), framework, StringComparison.Ordinal)).ToList();
        var notDeclared = outside
            .Where(a => !a.GetCustomAttributes<AssemblyMetadataAttribute>().Any(m => m is { Key: "IsAotCompatible", Value: "True" }))
            .Select(a => a.GetName().Name)
            .ToList();

        Assert.Multiple(() =>
        {
            Assert.That(outside.Select(a => a.GetName().Name), Is.SupersetOf(new[] { "Sessions.Sdk.PostgreSql", "Sessions.Sdk.Abstractions", "Npgsql" }));
            Assert.That(notDeclared, Is.Empty, "assemblies the PostgreSQL store loads that do not declare IsAotCompatible");
        });
    }

    [Test]
    public void RuntimePackageTheStoreIsRegisteredThrough_DeclaresAotCompatibility()
    {
        // AddSessions() (Sessions.Sdk) is how an application registers the store; its own code is analyzed the same way.
        var runtime = typeof(SessionsOptions).Assembly;

        Assert.That(
            runtime.GetCustomAttributes<AssemblyMetadataAttribute>().Select(m => (m.Key, m.Value)),
            Does.Contain(("IsAotCompatible", (string?)"True")));
    }
}

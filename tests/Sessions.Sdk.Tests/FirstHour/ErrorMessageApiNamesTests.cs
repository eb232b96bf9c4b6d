using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;

namespace Sessions.Sdk.Tests;

/// <summary>
/// Issue 8 ("every error message names APIs that exist") and issue 10 (a message named <c>UseOpenAI</c>, which did not exist):
/// every API a string in the product's source names — a registration or builder call (<c>AddXxx</c>, <c>UseXxx</c>,
/// <c>WithXxx</c>) or an options setting (<c>XxxOptions.Member</c>) — is a public member of one of the built packages or of the
/// Microsoft.Extensions libraries they build on. Reads the built assemblies' metadata (nothing is loaded).
/// </summary>
[TestFixture]
public sealed partial class ErrorMessageApiNamesTests
{
    [Test]
    public void StringsInTheSource_NameOnlyApisThatExist()
    {
        string root = SourceFiles.RepositoryRoot();
        var members = new HashSet<string>(StringComparer.Ordinal);
        var typeMembers = new HashSet<string>(StringComparer.Ordinal);
        int assemblies = 0;
        foreach (var project in Directory.GetDirectories(Path.Combine(root, "src")))
        {
            string name = Path.GetFileName(project);
            string? dll = Directory.Exists(Path.Combine(project, "bin"))
                ? Directory.EnumerateFiles(Path.Combine(project, "bin"), name == "Sessions.Cli" ? "sessions.dll" : name + ".dll", SearchOption.AllDirectories)
                    .Where(p => !p.Contains("/ref/", StringComparison.Ordinal)).OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault()
                : null;
            if (dll is null) continue;
            ReadPublicMembers(dll, members, typeMembers);
            assemblies++;
        }

        // The Microsoft.Extensions libraries the messages may point to (AddLogging, UseOpenTelemetry, UseFunctionInvocation, …).
        foreach (var library in AppDomain.CurrentDomain.GetAssemblies().Where(a => a.GetName().Name?.StartsWith("Microsoft.Extensions", StringComparison.Ordinal) == true && !a.IsDynamic))
        {
            if (library.Location.Length > 0) ReadPublicMembers(library.Location, members, typeMembers);
        }

        Assert.That(assemblies, Is.GreaterThanOrEqualTo(6), "the packages were built (src/*/bin)");
        Assert.That(members, Does.Contain("AddSessions").And.Contain("UseFileStorage"), "public members were read");

        var missing = new List<string>();
        int checkedNames = 0;
        foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                || file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            {
                continue;
            }

            int lineNumber = 0;
            foreach (var line in File.ReadLines(file))
            {
                lineNumber++;
                string code = line.TrimStart();
                if (code.StartsWith("//", StringComparison.Ordinal) || code.StartsWith('[')) continue;
                foreach (Match literal in StringLiteral().Matches(line))
                {
                    foreach (Match call in CallName().Matches(literal.Value))
                    {
                        checkedNames++;
                        if (!members.Contains(call.Value)) missing.Add($"{Path.GetRelativePath(root, file)}:{lineNumber}: {call.Value}");
                    }

                    foreach (Match setting in OptionsMember().Matches(literal.Value))
                    {
                        checkedNames++;
                        if (!typeMembers.Contains(setting.Value)) missing.Add($"{Path.GetRelativePath(root, file)}:{lineNumber}: {setting.Value}");
                    }
                }
            }
        }

        TestContext.Out.WriteLine($"{checkedNames} API names in strings of src/ checked against {members.Count} public members of {assemblies} packages and the Microsoft.Extensions libraries.");
        Assert.That(checkedNames, Is.GreaterThan(10), "the scan found the API names the messages use");
        Assert.That(missing, Is.Empty, "strings naming APIs that do not exist");
    }

    /// <summary>Adds the names of the public methods and properties of public types (and Type.Member pairs) in an assembly.</summary>
    private static void ReadPublicMembers(string path, HashSet<string> members, HashSet<string> typeMembers)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        if (!pe.HasMetadata) return;
        var reader = pe.GetMetadataReader();
        foreach (var handle in reader.TypeDefinitions)
        {
            var type = reader.GetTypeDefinition(handle);
            var visibility = type.Attributes & TypeAttributes.VisibilityMask;
            if (visibility is not (TypeAttributes.Public or TypeAttributes.NestedPublic)) continue;
            string typeName = reader.GetString(type.Name);
            foreach (var m in type.GetMethods())
            {
                var method = reader.GetMethodDefinition(m);
                if ((method.Attributes & MethodAttributes.MemberAccessMask) != MethodAttributes.Public) continue;
                string name = reader.GetString(method.Name);
                int tick = name.IndexOf('`', StringComparison.Ordinal);
                members.Add(tick < 0 ? name : name[..tick]);
            }

            foreach (var p in type.GetProperties())
            {
                string name = reader.GetString(reader.GetPropertyDefinition(p).Name);
                members.Add(name);
                typeMembers.Add(typeName + "." + name);
            }
        }
    }

    // A regular or interpolated string literal on one line (raw and verbatim strings hold no messages here).
    [GeneratedRegex(@"\$?""(?:[^""\\\n]|\\.)*""")]
    private static partial Regex StringLiteral();

    // A registration or builder call named in a message: AddXxx, UseXxx, WithXxx.
    [GeneratedRegex(@"\b(?:Add|Use|With)[A-Z][A-Za-z0-9]*\b")]
    private static partial Regex CallName();

    // An options setting named in a message: XxxOptions.Member.
    [GeneratedRegex(@"\b[A-Z][A-Za-z0-9]*Options\.[A-Z][A-Za-z0-9]*\b")]
    private static partial Regex OptionsMember();
}

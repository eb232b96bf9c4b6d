using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

namespace Sessions.Sdk.Tests;

/// <summary>Keeps the SQLite package's public surface reviewed: any change must update the approved listing.</summary>
[TestFixture]
public sealed class PublicApiTests
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    [Test]
    public void PublicApi_SessionsSdkSqlite_MatchesApprovedListing()
    {
        string approvedPath = Path.Combine(SourceDirectory(), "PublicApi.approved.txt");
        string receivedPath = Path.Combine(SourceDirectory(), "PublicApi.received.txt");
        string actual = Listing(typeof(SqliteStorageOptions).Assembly);
        string? approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath).ReplaceLineEndings("\n") : null;
        if (approved == actual)
        {
            File.Delete(receivedPath);
            return;
        }

        File.WriteAllText(receivedPath, actual);
        Assert.Fail($"The public API of Sessions.Sdk.Sqlite changed. Review {receivedPath} and, if intended, copy it over {approvedPath}.");
    }

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    private static string Listing(Assembly assembly)
    {
        var text = new StringBuilder();
        foreach (var type in assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            string kind = type.IsEnum ? "enum" : type.IsValueType ? "struct" : type.IsAbstract && type.IsSealed ? "static class" : type.IsSealed ? "sealed class" : "class";
            text.Append(kind).Append(' ').Append(type.FullName).Append('\n');
            var members = type.GetMembers(Declared)
                .Where(m => m is not MethodInfo { IsSpecialName: true })
                .Where(m => m is not FieldInfo { IsSpecialName: true })
                .Select(m => "    " + m.MemberType + " " + m)
                .Order(StringComparer.Ordinal);
            foreach (var member in members) text.Append(member).Append('\n');
        }

        return text.ToString();
    }
}

using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using Sessions.Sdk.Testing;

namespace Sessions.Sdk.Tests;

/// <summary>Keeps the Sessions.Sdk.Testing package's public surface reviewed: any change must update the approved listing.</summary>
[TestFixture]
public sealed class TestingPublicApiTests
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    [Test]
    public void PublicApi_SessionsSdkTesting_MatchesApprovedListing()
    {
        string approvedPath = Path.Combine(SourceDirectory(), "TestingPublicApi.approved.txt");
        string receivedPath = Path.Combine(SourceDirectory(), "TestingPublicApi.received.txt");
        string actual = Listing(typeof(ScriptedChatClient).Assembly);
        string? approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath).ReplaceLineEndings("\n") : null;
        if (approved == actual)
        {
            File.Delete(receivedPath);
            return;
        }

        File.WriteAllText(receivedPath, actual);
        Assert.Fail($"The public API of Sessions.Sdk.Testing changed. Review {receivedPath} and, if intended, copy it over {approvedPath}.");
    }

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    private static string Listing(Assembly assembly)
    {
        var text = new StringBuilder();
        foreach (var type in assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            string kind = type.IsEnum ? "enum" : type.IsValueType ? "struct" : type.IsAbstract && type.IsSealed ? "static class" : type.IsSealed ? "sealed class" : type.IsAbstract ? "abstract class" : "class";
            text.Append(kind).Append(' ').Append(type.FullName).Append('\n');

            // Protected members are part of the surface an inheriting fixture sees.
            var members = type.GetMembers(Declared)
                .Where(IsVisible)
                .Where(m => m is not MethodInfo { IsSpecialName: true })
                .Where(m => m is not FieldInfo { IsSpecialName: true })
                .Select(m => "    " + (IsProtected(m) ? "protected " : string.Empty) + m.MemberType + " " + m)
                .Order(StringComparer.Ordinal);
            foreach (var member in members) text.Append(member).Append('\n');
        }

        return text.ToString();
    }

    private static bool IsVisible(MemberInfo member) => member switch
    {
        MethodBase m => m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly,
        FieldInfo f => f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly,
        PropertyInfo p => (p.GetMethod ?? p.SetMethod) is { } accessor && IsVisible(accessor),
        EventInfo e => e.AddMethod is { } add && IsVisible(add),
        Type t => t.IsNestedPublic || t.IsNestedFamily,
        _ => false,
    };

    private static bool IsProtected(MemberInfo member) => member switch
    {
        MethodBase m => m.IsFamily || m.IsFamilyOrAssembly,
        FieldInfo f => f.IsFamily || f.IsFamilyOrAssembly,
        PropertyInfo p => (p.GetMethod ?? p.SetMethod) is { } accessor && IsProtected(accessor),
        Type t => t.IsNestedFamily,
        _ => false,
    };
}

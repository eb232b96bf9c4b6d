using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

namespace Sessions.Sdk.Tests;

/// <summary>Lists an assembly's public surface (types and their public or protected members) as stable, sorted text.</summary>
internal static class PublicApiListing
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    public static string Generate(Assembly assembly)
    {
        var text = new StringBuilder();
        foreach (var type in assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            var bases = new List<string>();
            if (type.BaseType is { } baseType && baseType != typeof(object) && baseType != typeof(ValueType))
            {
                bases.Add(baseType.FullName ?? baseType.Name);
            }

            bases.AddRange(type.GetInterfaces().Select(i => i.ToString()).Order(StringComparer.Ordinal));
            text.Append(Kind(type)).Append(' ').Append(type.FullName);
            if (bases.Count > 0)
            {
                text.Append(" : ").AppendJoin(", ", bases);
            }

            text.AppendLine();
            var members = type.GetMembers(Declared)
                .Where(IsVisible)
                .Select(m => "    " + (IsStatic(m) ? "static " : string.Empty) + m.MemberType + " " + m)
                .Order(StringComparer.Ordinal);
            foreach (var member in members)
            {
                text.AppendLine(member);
            }
        }

        return text.ToString().ReplaceLineEndings("\n");
    }

    /// <summary>Compares the listing with the approved file next to the calling test; writes a .received file when they differ.</summary>
    /// <returns><see langword="null"/> when the surface matches the approved listing; otherwise what to review.</returns>
    public static string? Difference(Assembly assembly, string approvedFileName, [CallerFilePath] string callerPath = "")
    {
        var approvedPath = Path.Combine(SourceFiles.DirectoryOf(callerPath), approvedFileName);
        var receivedPath = approvedPath.Replace(".approved.txt", ".received.txt", StringComparison.Ordinal);
        var actual = Generate(assembly);
        var approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath).ReplaceLineEndings("\n") : null;
        if (approved == actual)
        {
            File.Delete(receivedPath);
            return null;
        }

        File.WriteAllText(receivedPath, actual);
        return $"The public API of {assembly.GetName().Name} changed. Review {receivedPath} and, if intended, copy it over {approvedPath}.";
    }

    private static bool IsStatic(MemberInfo member) => member switch
    {
        MethodBase method => method.IsStatic,
        FieldInfo field => field.IsStatic,
        PropertyInfo property => property.GetAccessors(nonPublic: true).Any(a => a.IsStatic),
        EventInfo evt => evt.AddMethod?.IsStatic == true,
        _ => false,
    };

    private static string Kind(Type type) =>
        type.IsInterface ? "interface"
        : type.IsEnum ? "enum"
        : type.IsValueType ? "struct"
        : type.IsAbstract && type.IsSealed ? "static class"
        : type.IsSealed ? "sealed class"
        : type.IsAbstract ? "abstract class"
        : "class";

    private static bool IsVisible(MemberInfo member) => member switch
    {
        MethodBase method => (method.IsPublic || method.IsFamily || method.IsFamilyOrAssembly) && !(method.IsSpecialName && method is MethodInfo && (method.Name.StartsWith("get_", StringComparison.Ordinal) || method.Name.StartsWith("set_", StringComparison.Ordinal) || method.Name.StartsWith("add_", StringComparison.Ordinal) || method.Name.StartsWith("remove_", StringComparison.Ordinal))),
        FieldInfo field => (field.IsPublic || field.IsFamily || field.IsFamilyOrAssembly) && !field.IsSpecialName,
        PropertyInfo property => property.GetAccessors(nonPublic: true).Any(a => a.IsPublic || a.IsFamily || a.IsFamilyOrAssembly),
        EventInfo evt => evt.AddMethod is { } add && (add.IsPublic || add.IsFamily),
        Type nested => nested.IsNestedPublic || nested.IsNestedFamily,
        _ => false,
    };
}

using System.Globalization;
using System.Reflection;
using System.Runtime.ExceptionServices;

namespace Sessions.Sdk.Testing;

/// <summary>Runs the conformance suites from any test framework (xUnit, MSTest, …), one named case at a time.</summary>
/// <remarks>
/// NUnit users inherit a suite in a <c>[TestFixture]</c> and need none of this. Other frameworks subclass the same suite
/// (without NUnit attributes), list its cases with <see cref="GetCaseNames{TSuite}"/> as theory data, and run each with
/// <see cref="RunAsync{TSuite}(string)"/>: a fresh suite object, its set-up, the case, its tear-down, as NUnit would.
/// A failed check throws NUnit's <c>AssertionException</c>, which every framework reports as a failure.
/// Thread-safe; cases may run in parallel.
/// </remarks>
public static class ConformanceSuite
{
    /// <summary>Lists the names of every case of a suite, in declaration order (for <c>[MemberData]</c> or <c>[DynamicData]</c>).</summary>
    /// <typeparam name="TSuite">Your subclass of <see cref="SessionStorageConformanceTests"/> or <see cref="SessionSearchConformanceTests"/>.</typeparam>
    /// <returns>The case names, unique within the suite.</returns>
    public static IReadOnlyList<string> GetCaseNames<TSuite>()
        where TSuite : class, new() => [.. Discover(typeof(TSuite)).Select(c => c.Name)];

    /// <summary>Runs one case of a suite on a new suite object.</summary>
    /// <typeparam name="TSuite">Your subclass of <see cref="SessionStorageConformanceTests"/> or <see cref="SessionSearchConformanceTests"/>.</typeparam>
    /// <param name="caseName">A name from <see cref="GetCaseNames{TSuite}"/>.</param>
    /// <returns>A task that completes when the case passed; it faults with the failure otherwise.</returns>
    /// <exception cref="ArgumentException">The suite has no case of that name.</exception>
    public static Task RunAsync<TSuite>(string caseName)
        where TSuite : class, new()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(caseName);
        var found = Discover(typeof(TSuite)).FirstOrDefault(c => string.Equals(c.Name, caseName, StringComparison.Ordinal))
            ?? throw new ArgumentException($"{typeof(TSuite).Name} has no conformance case named '{caseName}'; use a name from GetCaseNames<{typeof(TSuite).Name}>().", nameof(caseName));

        // A fresh execution context per case, so NUnit's ad-hoc assertion context (multiple-assert scopes) never leaks between cases.
        return Task.Run(() => RunCaseAsync(new TSuite(), found));
    }

    private static async Task RunCaseAsync(object suite, Case found)
    {
        ExceptionDispatchInfo? failure = null;
        try
        {
            foreach (var setUp in Hooks(suite.GetType(), "NUnit.Framework.SetUpAttribute", baseFirst: true))
            {
                await InvokeAsync(suite, setUp, []).ConfigureAwait(false);
            }

            await InvokeAsync(suite, found.Method, found.Arguments).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Rethrown after the tear-down, as NUnit does.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            failure = ExceptionDispatchInfo.Capture(ex);
        }

        foreach (var tearDown in Hooks(suite.GetType(), "NUnit.Framework.TearDownAttribute", baseFirst: false))
        {
            try
            {
                await InvokeAsync(suite, tearDown, []).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // The test's own failure matters more than a tear-down's.
            catch (Exception ex) when (failure is not null)
#pragma warning restore CA1031
            {
                _ = ex;
            }
        }

        failure?.Throw();
    }

    private static async Task InvokeAsync(object suite, MethodInfo method, object?[] arguments)
    {
        object? result;
        try
        {
            result = method.Invoke(suite, arguments);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
            throw;
        }

        switch (result)
        {
            case Task task:
                await task.ConfigureAwait(false);
                break;
            case ValueTask valueTask:
                await valueTask.ConfigureAwait(false);
                break;
        }
    }

    private static IEnumerable<MethodInfo> Hooks(Type suiteType, string attributeName, bool baseFirst)
    {
        var chain = new List<Type>();
        for (var t = suiteType; t is not null && t != typeof(object); t = t.BaseType)
        {
            chain.Add(t);
        }

        if (baseFirst)
        {
            chain.Reverse();
        }

        foreach (var type in chain)
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            {
                if (Attributes(method, attributeName).Any())
                {
                    yield return method;
                }
            }
        }
    }

    // NUnit's attributes are read by name, not by type, so the same code reads NUnit 4's and NUnit 5's.
    private static IEnumerable<object> Attributes(MemberInfo member, string fullName) =>
        member.GetCustomAttributes(inherit: true).Where(a => string.Equals(a.GetType().FullName, fullName, StringComparison.Ordinal));

    private static object? Property(object target, string name) =>
        target.GetType().GetProperty(name, BindingFlags.Public | BindingFlags.Instance)?.GetValue(target);

    private static List<Case> Discover(Type suiteType)
    {
        var cases = new List<Case>();
        var methods = suiteType.GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .OrderBy(m => m.MetadataToken)
            .ThenBy(m => m.Name, StringComparer.Ordinal);
        foreach (var method in methods)
        {
            if (Attributes(method, "NUnit.Framework.TestAttribute").Any())
            {
                cases.Add(new Case(method.Name, method, []));
            }

            foreach (var testCase in Attributes(method, "NUnit.Framework.TestCaseAttribute"))
            {
                var arguments = Property(testCase, "Arguments") as object?[] ?? [];
                var name = Property(testCase, "TestName") as string;
                cases.Add(new Case(name ?? $"{method.Name}({string.Join(", ", arguments.Select(Display))})", method, Convert(method, arguments)));
            }

            foreach (var source in Attributes(method, "NUnit.Framework.TestCaseSourceAttribute"))
            {
                var sourceName = Property(source, "SourceName") as string
                    ?? throw new NotSupportedException($"{method.Name}: only [TestCaseSource(nameof(member))] on the suite itself is supported.");
                foreach (var item in SourceItems(suiteType, sourceName))
                {
                    cases.Add(FromSourceItem(method, item));
                }
            }
        }

        // Names must be unique to be chosen by name, and plain ASCII so that every framework passes them back intact
        // (xUnit's serialization replaces a lone surrogate); number any repeats.
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < cases.Count; i++)
        {
            var name = Printable(cases[i].Name);
            cases[i] = cases[i] with { Name = name };
            if (seen.TryGetValue(name, out int count))
            {
                seen[name] = count + 1;
                cases[i] = cases[i] with { Name = $"{name} #{count + 1}" };
            }
            else
            {
                seen[name] = 1;
            }
        }

        return cases;
    }

    private static IEnumerable<object?> SourceItems(Type suiteType, string sourceName)
    {
        const BindingFlags flags = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.FlattenHierarchy;
        object? value = suiteType.GetMethod(sourceName, flags, Type.EmptyTypes) is { } m ? m.Invoke(null, null)
            : suiteType.GetProperty(sourceName, flags) is { } p ? p.GetValue(null)
            : suiteType.GetField(sourceName, flags) is { } f ? f.GetValue(null)
            : throw new NotSupportedException($"Test case source '{sourceName}' is not a static member of {suiteType.Name}.");
        return value is System.Collections.IEnumerable items ? items.Cast<object?>() : [];
    }

    private static Case FromSourceItem(MethodInfo method, object? item)
    {
        object?[] arguments;
        string? displayName = null;
        if (item is not null && string.Equals(item.GetType().FullName, "NUnit.Framework.TestCaseData", StringComparison.Ordinal))
        {
            arguments = Property(item, "Arguments") as object?[] ?? [];
            displayName = Property(item, "TestName") as string;
            if (displayName is null && Property(item, "ArgDisplayNames") is string[] argNames)
            {
                displayName = $"{method.Name}({string.Join(", ", argNames)})";
            }
        }
        else if (item is object?[] array && method.GetParameters().Length != 1)
        {
            arguments = array;
        }
        else
        {
            arguments = [item];
        }

        return new Case(displayName ?? $"{method.Name}({string.Join(", ", arguments.Select(Display))})", method, Convert(method, arguments));
    }

    private static object?[] Convert(MethodInfo method, object?[] arguments)
    {
        var parameters = method.GetParameters();
        var result = new object?[arguments.Length];
        for (int i = 0; i < arguments.Length; i++)
        {
            var value = arguments[i];
            var target = i < parameters.Length ? Nullable.GetUnderlyingType(parameters[i].ParameterType) ?? parameters[i].ParameterType : null;
            result[i] = value is IConvertible && target is not null && !target.IsInstanceOfType(value) && typeof(IConvertible).IsAssignableFrom(target)
                ? System.Convert.ChangeType(value, target, CultureInfo.InvariantCulture)
                : value;
        }

        return result;
    }

    private static string Printable(string name)
    {
        if (name.All(c => c is >= ' ' and <= '~'))
        {
            return name;
        }

        var sb = new System.Text.StringBuilder(name.Length + 16);
        foreach (char c in name)
        {
            if (c is >= ' ' and <= '~')
            {
                sb.Append(c);
            }
            else
            {
                sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
        }

        return sb.ToString();
    }

    private static string Display(object? value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? value.GetType().Name,
    };

    private sealed record Case(string Name, MethodInfo Method, object?[] Arguments);
}

using System.Runtime.CompilerServices;

namespace Sessions.Sdk.Tests;

/// <summary>
/// Finds files that live next to a test's source file (golden files, approved API listings). A CI build is
/// deterministic (<c>ContinuousIntegrationBuild</c>): the compiler records source paths as <c>/_/…</c> instead of
/// the checkout's real path, so a <see cref="CallerFilePathAttribute"/> path is mapped back onto the repository
/// root, found by walking up from the test assembly to <c>Sessions.Sdk.sln</c>.
/// </summary>
internal static class SourceFiles
{
    private const string DeterministicRoot = "/_/";

    /// <summary>The folder of the calling source file, on this machine.</summary>
    public static string DirectoryOf([CallerFilePath] string callerPath = "")
    {
        var directory = Path.GetDirectoryName(callerPath)!;
        if (Directory.Exists(directory))
        {
            return directory;
        }

        if (!callerPath.StartsWith(DeterministicRoot, StringComparison.Ordinal))
        {
            throw new DirectoryNotFoundException($"The test source folder '{directory}' does not exist on this machine.");
        }

        var relative = Path.GetDirectoryName(callerPath[DeterministicRoot.Length..])!;
        return Path.Combine(RepositoryRoot(), relative);
    }

    /// <summary>The repository root: the nearest folder above the test assembly that holds Sessions.Sdk.sln.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Sessions.Sdk.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No Sessions.Sdk.sln above '{AppContext.BaseDirectory}'.");
    }
}

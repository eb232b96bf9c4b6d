using System.Runtime.ExceptionServices;

namespace Sessions.Sdk;

/// <summary>Runs the per-file steps of a batch (planning, the write of each file, the restore of each file) a few files at once.</summary>
internal static class EditFiles
{
    /// <summary>The most files of one batch handled at once.</summary>
    public const int MaxParallel = 8;

    /// <summary>
    /// Runs a step for each file: one at a time, or up to <see cref="MaxParallel"/> at once when <paramref name="parallel"/> (every file a
    /// different path). Steps of different files are independent (a read and plan, or a whole temporary file + rename), so running a few
    /// at once uses the cores and overlaps the waits of the disk (a replaced file's blocks are freed, and discarded, synchronously on many
    /// file systems). Every started step finishes before this returns. On failure the exception of the first failing file is rethrown as
    /// it was: with <paramref name="everyEarlierFile"/> every file before it is still run (so which failure is reported does not depend on
    /// timing); otherwise no further step starts.
    /// </summary>
    public static void ForEach(int count, bool parallel, Action<int> step, bool everyEarlierFile = false)
    {
        if (!parallel || count < 2)
        {
            for (int i = 0; i < count; i++)
            {
                step(i);
            }

            return;
        }

        var failures = new Exception?[count];
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = MaxParallel }, (i, loop) =>
        {
            if (loop.ShouldExitCurrentIteration && (!everyEarlierFile || loop.LowestBreakIteration < i))
            {
                return;
            }

            try
            {
                step(i);
            }
            catch (Exception ex)
            {
                failures[i] = ex;
                if (everyEarlierFile)
                {
                    loop.Break();
                }
                else
                {
                    loop.Stop();
                }
            }
        });

        if (Array.Find(failures, f => f is not null) is { } first)
        {
            ExceptionDispatchInfo.Capture(first).Throw();
        }
    }

    /// <summary>Tells whether full paths are all different (ignoring case, so a case-insensitive file system cannot make two of them one file).</summary>
    public static bool Distinct(IEnumerable<string> fullPaths)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var path in fullPaths)
        {
            if (!seen.Add(path))
            {
                return false;
            }
        }

        return true;
    }
}

using System.Diagnostics;
using NUnit.Framework;

namespace Sessions.Sdk.Testing;

/// <summary>Asserts on exceptions of asynchronous calls the same way under NUnit 4 and NUnit 5.</summary>
/// <remarks>
/// NUnit 5 changed <c>Assert.ThrowsAsync</c> and <c>Assert.CatchAsync</c> to return a task, so a suite compiled against
/// either version fails with <see cref="MissingMethodException"/> under the other. These helpers use only
/// <see cref="Assert.Fail(string)"/>, which both versions keep, and run under xUnit and MSTest too.
/// </remarks>
internal static class ConformanceAssert
{
    /// <summary>Asserts that the call throws exactly <typeparamref name="TException"/>.</summary>
    /// <typeparam name="TException">The exact exception type expected.</typeparam>
    /// <param name="code">The call.</param>
    /// <returns>The exception thrown.</returns>
    public static async Task<TException> ThrowsAsync<TException>(Func<Task> code)
        where TException : Exception
    {
        var thrown = await CaptureAsync(code).ConfigureAwait(false);
        if (thrown is null || thrown.GetType() != typeof(TException))
        {
            Assert.Fail(Describe(typeof(TException), "exactly", thrown));
            throw new UnreachableException();
        }

        return (TException)thrown;
    }

    /// <summary>Asserts that the call throws <typeparamref name="TException"/> or a type derived from it.</summary>
    /// <typeparam name="TException">The exception type expected, or a base of it.</typeparam>
    /// <param name="code">The call.</param>
    /// <returns>The exception thrown.</returns>
    public static async Task<TException> CatchAsync<TException>(Func<Task> code)
        where TException : Exception
    {
        var thrown = await CaptureAsync(code).ConfigureAwait(false);
        if (thrown is not TException expected)
        {
            Assert.Fail(Describe(typeof(TException), "or a derived type", thrown));
            throw new UnreachableException();
        }

        return expected;
    }

    private static async Task<Exception?> CaptureAsync(Func<Task> code)
    {
        ArgumentNullException.ThrowIfNull(code);
        try
        {
            await code().ConfigureAwait(false);
            return null;
        }
#pragma warning disable CA1031 // The point is to catch whatever the call throws and assert on it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return ex;
        }
    }

    private static string Describe(Type expected, string how, Exception? thrown) => thrown is null
        ? $"Expected {expected.FullName} ({how}) but no exception was thrown."
        : $"Expected {expected.FullName} ({how}) but got {thrown.GetType().FullName}: {thrown.Message}";
}

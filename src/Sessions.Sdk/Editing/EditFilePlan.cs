using System.Security.Cryptography;

namespace Sessions.Sdk;

/// <summary>One file of a planned batch: the bytes before and after, their hashes, and the preview.</summary>
internal sealed class EditFilePlan
{
    public required string Path { get; init; }

    public required string FullPath { get; init; }

    public required byte[]? Before { get; init; }

    public required byte[]? After { get; init; }

    public required EditFilePreview Preview { get; init; }

    public string? BeforeHash => Preview.ContentHash;

    /// <summary>Gets the SHA-256 of <see cref="After"/>, computed when first asked (a preview never needs it).</summary>
    public string? AfterHash => field ??= Hash(After);

    /// <summary>Compares two contents byte for byte (<see langword="null"/> is a missing file): what comparing their hashes says, without hashing.</summary>
    public static bool SameBytes(byte[]? a, byte[]? b) => a is null || b is null ? a is null && b is null : a.AsSpan().SequenceEqual(b);

    public static string? Hash(byte[]? bytes) => bytes is null ? null : Convert.ToHexStringLower(SHA256.HashData(bytes));
}

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

    public string? AfterHash { get; init; }

    public static string? Hash(byte[]? bytes) => bytes is null ? null : Convert.ToHexStringLower(SHA256.HashData(bytes));
}

namespace Sessions.Sdk;

/// <summary>Represents the error raised when the model's proposed operations are still invalid after one repair round.</summary>
public sealed class EditProposalException : SessionsException
{
    /// <summary>Initializes a new instance of the <see cref="EditProposalException"/> class.</summary>
    /// <param name="errors">The errors found in the last proposal.</param>
    public EditProposalException(IReadOnlyList<string> errors)
        : base("The model's proposal is invalid after one repair round: " + string.Join("; ", errors ?? []))
    {
        Errors = errors ?? [];
    }

    /// <summary>Gets the errors found in the last proposal.</summary>
    public IReadOnlyList<string> Errors { get; }
}

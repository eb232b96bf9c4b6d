namespace Sessions.Sdk;

/// <summary>Represents the error raised when the model could not write a valid plan, even after being shown its errors once.</summary>
public sealed class PlanValidationException : SessionsException
{
    /// <summary>Initializes a new instance of the <see cref="PlanValidationException"/> class.</summary>
    /// <param name="errors">The validation errors of the model's last reply.</param>
    /// <param name="reply">The model's last reply, if any.</param>
    public PlanValidationException(IReadOnlyList<string> errors, string? reply = null)
        : base(Format(errors))
    {
        Errors = errors;
        Reply = reply;
    }

    /// <summary>Gets the validation errors of the model's last reply, each naming the step or field at fault.</summary>
    public IReadOnlyList<string> Errors { get; }

    /// <summary>Gets the model's last reply, if any.</summary>
    public string? Reply { get; }

    private static string Format(IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        return "The model did not write a valid plan (after one repair attempt): " + string.Join("; ", errors);
    }
}

namespace Sessions.Sdk;

/// <summary>Configures edit sessions (<c>AddEditing</c>).</summary>
public sealed class EditingOptions
{
    /// <summary>Gets or sets the largest file, in bytes, an edit session reads, writes or sends to a model.</summary>
    /// <value>The default value is 1,048,576 (1 MiB).</value>
    public long MaxFileSize { get; set; } = 1_048_576;

    /// <summary>Gets or sets a value indicating whether each batch keeps the bytes from before it in the session, so it can be rolled back.</summary>
    /// <value>The default value is <see langword="true"/>. When off, the session keeps the new bytes instead, so an interrupted batch is finished on the next open, and rollback is refused.</value>
    public bool CreateBackup { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether operations proposed by the model are applied at once.</summary>
    /// <value>The default value is <see langword="false"/> (proposals stay pending until applied).</value>
    public bool AutoApply { get; set; }

    /// <summary>Gets or sets a value indicating whether text operations may change files that look binary (NUL bytes or invalid UTF-8 without a byte order mark).</summary>
    /// <value>The default value is <see langword="false"/>. When on, such files are read and written byte for byte as Latin-1.</value>
    public bool AllowBinaryFiles { get; set; }

    /// <summary>Gets or sets how <c>ProposeAsync</c> asks the model for operations: a JSON answer, or calls of the edit tools.</summary>
    /// <value>The default value is <see cref="EditProposalFormat.Json"/>.</value>
    public EditProposalFormat ProposalFormat { get; set; }

    /// <summary>Gets or sets how many unchanged lines surround each hunk of a preview diff.</summary>
    /// <value>The default value is 3.</value>
    public int DiffContextLines { get; set; } = 3;

    /// <summary>Gets or sets the most files one <c>ProposeAsync</c> call may send to the model.</summary>
    /// <value>The default value is 20.</value>
    public int MaxProposalFiles { get; set; } = 20;
}

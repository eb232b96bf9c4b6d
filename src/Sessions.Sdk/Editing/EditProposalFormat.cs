namespace Sessions.Sdk;

/// <summary>Names how <c>ProposeAsync</c> asks the model for operations.</summary>
public enum EditProposalFormat
{
    /// <summary>One JSON object following <see cref="EditProposalSchema"/>, requested as the response format.</summary>
    Json,

    /// <summary>Calls of the edit tools (<c>edit_insert</c>, <c>edit_replace</c>, <c>edit_delete</c>, <c>edit_append</c>, <c>edit_prepend</c>, <c>edit_create_file</c>, <c>edit_delete_file</c>), one per operation; an answer with the JSON object instead is accepted too.</summary>
    ToolCalls,
}

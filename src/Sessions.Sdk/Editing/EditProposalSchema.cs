using System.Text.Json;

namespace Sessions.Sdk;

/// <summary>Publishes the JSON schema a model's proposed operations must follow (<c>{"operations":[{"type":"replace","path":…,"oldText":…,"newText":…}]}</c>).</summary>
public static class EditProposalSchema
{
    /// <summary>Gets the schema's name, as sent in the response format.</summary>
    public const string Name = "edit_operations";

    /// <summary>Gets the schema as JSON text.</summary>
    public const string Json = """
        {
          "type": "object",
          "properties": {
            "operations": {
              "type": "array",
              "items": {
                "type": "object",
                "properties": {
                  "type": { "type": "string", "enum": ["insert", "replace", "delete", "append", "prepend", "create", "deleteFile"] },
                  "path": { "type": "string", "description": "File path relative to the workspace root." },
                  "oldText": { "type": "string", "description": "replace, delete: exact text to find; it must occur once unless all is true." },
                  "newText": { "type": "string", "description": "replace: the replacement." },
                  "text": { "type": "string", "description": "insert, append, prepend, create: the text to write." },
                  "line": { "type": "integer", "minimum": 1, "description": "insert: the line (from 1) before which text goes." },
                  "startLine": { "type": "integer", "minimum": 1, "description": "delete by lines: first line." },
                  "endLine": { "type": "integer", "minimum": 1, "description": "delete by lines: last line, inclusive." },
                  "all": { "type": "boolean", "description": "replace, delete: change every occurrence." }
                },
                "required": ["type", "path"],
                "additionalProperties": false
              }
            }
          },
          "required": ["operations"],
          "additionalProperties": false
        }
        """;

    /// <summary>Gets the schema as a parsed JSON element.</summary>
    public static JsonElement Schema { get; } = JsonElement.Parse(Json);
}

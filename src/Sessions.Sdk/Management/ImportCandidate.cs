namespace Sessions.Sdk;

/// <summary>One session read from an import document, not yet stored.</summary>
/// <param name="Info">The session's information as read.</param>
/// <param name="Messages">The session's messages.</param>
/// <param name="SourceFormat">The format it was read from (<c>sessions.sdk</c>, <c>paracle</c>, …).</param>
/// <param name="OriginalId">Its id in the document, if it had one.</param>
/// <param name="Path">Where it is in the document, for errors.</param>
internal sealed record ImportCandidate(SessionInfo Info, IReadOnlyList<SessionMessage> Messages, string SourceFormat, string? OriginalId, string Path);

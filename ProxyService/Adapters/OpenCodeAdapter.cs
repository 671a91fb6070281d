using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AgentRelay.ProxyService.Adapters;

/// <summary>
/// OpenCode (<c>opencode/…</c>). Session: <c>x-opencode-session</c>, else <c>x-session-affinity</c>, else
/// <c>x-session-id</c> (real OpenCode 1.18 sends the last two, CLIENTS.md). Working directory: <c>Working directory:</c>
/// inside the <c>&lt;env&gt;</c> block of the system prompt.
/// </summary>
public sealed partial class OpenCodeAdapter : AgentAdapter
{
    /// <summary>Any of these, non-empty, identifies OpenCode (detection step 2).</summary>
    public static readonly string[] SessionHeaders = [AgentHeaders.OpenCodeSession, AgentHeaders.SessionAffinity, AgentHeaders.SessionId];

    public override string Name => AgentAdapterNames.OpenCode;

    public override AgentSessionHeader? GetSessionId(IHeaderDictionary headers) => AgentSessionHeader.FirstOf(headers, SessionHeaders);

    public override string? ExtractWorkingDirectory(JsonObject body) => PromptText.FirstCapture(PromptText.System(body), EnvWorkingDirectory());

    [GeneratedRegex(@"<env>[\s\S]*?Working directory:[ \t]*([^\r\n<]+)")]
    private static partial Regex EnvWorkingDirectory();
}

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
    private static readonly string[] s_sessionHeaders = [AgentHeaders.OpenCodeSession, AgentHeaders.SessionAffinity, AgentHeaders.SessionId];

    // Rule 2: a session header, whatever the user agent (a LiteLLM in front of OpenCode stays OpenCode). Rule 3: its user agent.
    private static readonly AgentDetectionRule[] s_detectionRules =
    [
        AgentDetectionRule.HeaderPresent(2, s_sessionHeaders),
        AgentDetectionRule.UserAgentStartsWith(3, "opencode/"),
    ];

    public override string Name => AgentAdapterNames.OpenCode;

    public override IReadOnlyList<AgentDetectionRule> DetectionRules => s_detectionRules;

    public override AgentSessionHeader? GetSessionId(IHeaderDictionary headers) => AgentSessionHeader.FirstOf(headers, s_sessionHeaders);

    public override string? ExtractWorkingDirectory(JsonObject body) => PromptText.FirstCapture(PromptText.System(body), EnvWorkingDirectory());

    [GeneratedRegex(@"<env>[\s\S]*?Working directory:[ \t]*([^\r\n<]+)")]
    private static partial Regex EnvWorkingDirectory();
}

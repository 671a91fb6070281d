using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AgentRelay.ProxyService.Adapters;

/// <summary>
/// Claude Code used as a client (<c>claude-cli/…</c>). Session: <c>x-claude-code-session-id</c>, else the
/// <c>session_id</c> inside <c>metadata.user_id</c> (a JSON string). The backend runs in the
/// proxy's own directory; the client's is <c>Primary working directory:</c>, which Claude Code 2.1 writes into the
/// system prompt, a <c>role: system</c> message (<c>-p</c> mode) or a user <c>&lt;system-reminder&gt;</c> (SDK mode).
/// </summary>
public sealed partial class ClaudeCodeAdapter : AgentAdapter
{
    // Rule 6: Pi-like agents mimic this user agent, so a changed Proxy:DefaultAgent takes it.
    private static readonly AgentDetectionRule[] s_detectionRules = [AgentDetectionRule.UserAgentStartsWith(6, "claude-cli/", yieldsToChangedDefault: true)];

    public override string Name => AgentAdapterNames.ClaudeCode;

    public override IReadOnlyList<AgentDetectionRule> DetectionRules => s_detectionRules;

    public override IReadOnlyList<string> Aliases => [AgentAdapterNames.ClaudeCodeUnhyphenated];

    public override AgentSessionHeader? GetSessionId(IHeaderDictionary headers) => AgentSessionHeader.FirstOf(headers, AgentHeaders.ClaudeCodeSessionId);

    public override AgentSessionHeader? GetBodySessionId(JsonObject body) => AgentSessionHeader.FromMetadataUserId(body);

    public override string? ExtractWorkingDirectory(JsonObject body) => null;

    public override string? ExtractClientWorkingDirectory(JsonObject body) => PromptText.FirstCapture(
        PromptText.System(body).Concat(PromptText.SystemMessages(body)).Concat(PromptText.User(body)), PrimaryWorkingDirectory());

    [GeneratedRegex(@"Primary working directory:[ \t]*([^\r\n<]+)")]
    private static partial Regex PrimaryWorkingDirectory();
}

using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AgentRelay.ProxyService.Core;

namespace AgentRelay.ProxyService.Adapters;

/// <summary>
/// LiteLLM (alias <c>passthrough</c>), which runs its own tool loop: tools always pass through and reach the model as
/// <c>mcp__litellm__&lt;tool&gt;</c>. Session: <c>x-litellm-session-id</c>. Working directory: <c>cwd="…"</c> or
/// <c>cwd='…'</c> in an <c>&lt;env …&gt;</c> tag, else anywhere, in <c>prompt</c> or the user texts. Streaming follows the
/// client: LiteLLM's health checks omit <c>stream</c> and must get JSON, and its streaming calls must get SSE (the
/// reference proxy once forced JSON and broke LiteLLM streaming).
/// </summary>
public sealed partial class LiteLlmAdapter : AgentAdapter
{
    // Rule 7: its user agent (health checks send nothing else), else its headers: its default user agent is often python-httpx.
    private static readonly AgentDetectionRule[] s_detectionRules =
    [
        AgentDetectionRule.UserAgentStartsWith(7, "litellm/"),
        AgentDetectionRule.HeaderNameStartsWith(7, AgentHeaders.LiteLlmPrefix),
    ];

    public override string Name => AgentAdapterNames.LiteLlm;

    public override IReadOnlyList<AgentDetectionRule> DetectionRules => s_detectionRules;

    public override IReadOnlyList<string> Aliases => [AgentAdapterNames.Passthrough];

    public override string McpServerName => "litellm";

    public override bool PassthroughTools => true;

    public override bool KeepThinking => false;

    public override bool PrefersStreaming(MessagesRequest request) => request.ClientStream;

    public override AgentSessionHeader? GetSessionId(IHeaderDictionary headers) => AgentSessionHeader.FirstOf(headers, AgentHeaders.LiteLlmSessionId);

    public override string? ExtractWorkingDirectory(JsonObject body)
    {
        List<string> texts = body["prompt"].AsString() is { } prompt ? [prompt, .. PromptText.User(body)] : PromptText.User(body).ToList();
        return PromptText.FirstCapture(texts, CwdInEnvTag()) ?? PromptText.FirstCapture(texts, CwdAnywhere());
    }

    [GeneratedRegex("""<env\b[^>]*?\bcwd=(?:"([^"]+)"|'([^']+)')""")]
    private static partial Regex CwdInEnvTag();

    [GeneratedRegex("""\bcwd=(?:"([^"]+)"|'([^']+)')""")]
    private static partial Regex CwdAnywhere();
}

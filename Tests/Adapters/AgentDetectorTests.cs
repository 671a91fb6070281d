using static AgentRelay.Tests.Adapters.AdapterTestHost;

namespace AgentRelay.Tests.Adapters;

/// <summary>
/// The detection order, row by row, with every priority conflict between neighbouring rows: moving any rule would
/// change the adapter or the reason of at least one case here.
/// </summary>
public sealed class AgentDetectorTests
{
    private const string OpenCodeUa = "opencode/1.18.33 ai-sdk/provider-utils/4.0.46 runtime/bun/1.3.14";
    private const string ClaudeCliUa = "claude-cli/2.1.330 (external, sdk-cli)";

    [Theory]
    // 1. x-relay-agent: beats everything; case and padding do not matter; unknown values fall through.
    [InlineData("x-relay-agent=pi|user-agent=factory-cli/1.0", "pi", "override:pi")]
    [InlineData("x-relay-agent=PI|user-agent=factory-cli/1.0", "pi", "override:pi")]
    [InlineData("X-Relay-Agent=  crush  ", "crush", "override:crush")]
    [InlineData("x-relay-agent=litellm|x-session-affinity=ses_1|user-agent=" + OpenCodeUa, "litellm", "override:litellm")]
    [InlineData("x-relay-agent=droid|user-agent=litellm/1.52.0|x-litellm-session-id=L1", "droid", "override:droid")]
    [InlineData("x-relay-agent=forgecode|user-agent=" + ClaudeCliUa, "forgecode", "override:forgecode")]
    [InlineData("x-relay-agent=passthrough", "litellm", "override:passthrough")]
    [InlineData("x-relay-agent=unknown|user-agent=factory-cli/1.0", "droid", "user-agent:factory-cli/1.0")]
    [InlineData("x-relay-agent=|user-agent=curl/8.5.0", "opencode", "default")]
    [InlineData("x-meridian-agent=droid", "opencode", "default")]
    // 2. OpenCode session headers: beat every user agent and LiteLLM's headers.
    [InlineData("x-session-affinity=ses_1|user-agent=curl/7", "opencode", "header:x-session-affinity")]
    [InlineData("x-opencode-session=s1|user-agent=claude-cli/1", "opencode", "header:x-opencode-session")]
    [InlineData("x-session-id=ses_1|user-agent=litellm/1.52.0", "opencode", "header:x-session-id")]
    [InlineData("x-session-affinity=ses_1|user-agent=factory-cli/0.215.0", "opencode", "header:x-session-affinity")]
    [InlineData("x-session-affinity=ses_1|user-agent=" + OpenCodeUa, "opencode", "header:x-session-affinity")]
    [InlineData("x-session-id=ses_1|x-litellm-api-key=sk|user-agent=python-httpx/0.27", "opencode", "header:x-session-id")]
    [InlineData("X-Session-Affinity=ses_1", "opencode", "header:x-session-affinity")]
    [InlineData("x-session-affinity=|user-agent=factory-cli/1", "droid", "user-agent:factory-cli/1")]
    // 3. Agents' own user agents, prefix and case exact.
    [InlineData("user-agent=" + OpenCodeUa, "opencode", "user-agent:" + OpenCodeUa)]
    [InlineData("user-agent=factory-cli/0.215.0", "droid", "user-agent:factory-cli/0.215.0")]
    [InlineData("user-agent=Charm-Crush/v0.51.2", "crush", "user-agent:Charm-Crush/v0.51.2")]
    [InlineData("user-agent=charm-crush/v0.51.2", "opencode", "default")]
    [InlineData("user-agent=my-app factory-cli/1", "opencode", "default")]
    [InlineData("user-agent=opencode/1.0|x-litellm-api-key=sk", "opencode", "user-agent:opencode/1.0")]
    [InlineData("user-agent=factory-cli/1.0|x-litellm-api-key=sk", "droid", "user-agent:factory-cli/1.0")]
    [InlineData("user-agent=Charm-Crush/1|x-litellm-session-id=L", "crush", "user-agent:Charm-Crush/1")]
    // 4. Claude Code: before LiteLLM.
    [InlineData("user-agent=" + ClaudeCliUa, "claude-code", "user-agent:" + ClaudeCliUa)]
    [InlineData("user-agent=claude-cli/2.1.330 (external, sdk-ts, agent-sdk/0.3.330)|x-claude-code-session-id=c1", "claude-code", "user-agent:claude-cli/2.1.330 (external, sdk-ts, agent-sdk/0.3.330)")]
    [InlineData("user-agent=claude-cli/2.0.0|x-litellm-api-key=sk", "claude-code", "user-agent:claude-cli/2.0.0")]
    [InlineData("x-claude-code-session-id=c1|user-agent=curl/8", "opencode", "default")]
    // 5. LiteLLM: its user agent (health checks send nothing else), then any x-litellm-* header name.
    [InlineData("user-agent=litellm/1.52.0", "litellm", "user-agent:litellm/1.52.0")]
    [InlineData("user-agent=litellm/1.52.0|x-litellm-session-id=L1", "litellm", "user-agent:litellm/1.52.0")]
    [InlineData("user-agent=litellm/1.52.0|x-claude-code-session-id=c1", "litellm", "user-agent:litellm/1.52.0")]
    [InlineData("user-agent=python-httpx/0.27|x-litellm-api-key=sk", "litellm", "header:x-litellm-api-key")]
    [InlineData("user-agent=python-httpx/0.27|X-LiteLLM-Session-Id=L1", "litellm", "header:x-litellm-session-id")]
    [InlineData("x-litellm-trace-id=t|x-litellm-call-id=c", "litellm", "header:x-litellm-call-id")]
    [InlineData("user-agent=LiteLLM/1.52.0", "opencode", "default")]
    [InlineData("x-litellm=1", "opencode", "default")]
    [InlineData("user-agent=python-httpx/0.27", "opencode", "default")]
    // 6. Nothing recognised: Proxy:DefaultAgent.
    [InlineData("user-agent=curl/7.88.0", "opencode", "default")]
    [InlineData("user-agent=Anthropic/JS 0.91.1", "opencode", "default")]
    [InlineData("user-agent=Anthropic/JS 0.91.1|x-relay-agent=pi", "pi", "override:pi")]
    [InlineData("", "opencode", "default")]
    public void Detection_follows_the_documented_order(string headers, string adapter, string reason)
    {
        var detection = Detector().Detect(Headers(headers));

        Assert.Equal((adapter, reason), (detection.Adapter.Name, detection.Reason));
    }

    [Theory]
    [InlineData("pi", "user-agent=" + ClaudeCliUa, "pi", "user-agent:" + ClaudeCliUa)]
    [InlineData("pi", "user-agent=opencode/1.5", "opencode", "user-agent:opencode/1.5")]
    [InlineData("pi", "x-relay-agent=claude-code|user-agent=" + ClaudeCliUa, "claude-code", "override:claude-code")]
    [InlineData("pi", "user-agent=curl/8", "pi", "default")]
    [InlineData("PI", "user-agent=curl/8", "pi", "default")]
    [InlineData("opencode", "user-agent=" + ClaudeCliUa, "claude-code", "user-agent:" + ClaudeCliUa)]
    [InlineData("claude-code", "user-agent=" + ClaudeCliUa, "claude-code", "user-agent:" + ClaudeCliUa)]
    [InlineData("claudecode", "user-agent=curl/8", "claude-code", "default")]
    [InlineData("passthrough", "user-agent=curl/8", "litellm", "default")]
    [InlineData("passthrough", "user-agent=" + ClaudeCliUa, "litellm", "user-agent:" + ClaudeCliUa)]
    [InlineData("litellm", "user-agent=factory-cli/1", "droid", "user-agent:factory-cli/1")]
    [InlineData("droid", "user-agent=python-httpx/0.27|x-litellm-api-key=sk", "litellm", "header:x-litellm-api-key")]
    public void Default_agent_takes_unrecognised_requests_and_the_claude_cli_user_agent_when_changed(
        string defaultAgent, string headers, string adapter, string reason)
    {
        var detection = Detector(defaultAgent).Detect(Headers(headers));

        Assert.Equal((adapter, reason), (detection.Adapter.Name, detection.Reason));
    }

    [Fact]
    public void A_very_long_user_agent_is_cut_in_the_reason()
    {
        var userAgent = "factory-cli/" + new string('x', 500);

        var detection = Detector().Detect(Headers($"user-agent={userAgent}"));

        Assert.Equal("droid", detection.Adapter.Name);
        Assert.Equal("user-agent:" + userAgent[..200], detection.Reason);
    }
}

using System.Text.Json.Nodes;

namespace AgentRelay.ProxyService.Commands.Setup;

/// <summary>
/// Claude Code: <c>~/.claude/settings.json</c> (or <c>CLAUDE_CONFIG_DIR</c>), its <c>env</c> block's
/// <c>ANTHROPIC_BASE_URL</c> and <c>ANTHROPIC_AUTH_TOKEN</c>. Recognised by its user agent <c>claude-cli/</c>. The
/// proxy's own CLI processes ignore user settings, so this cannot send the proxy back to itself.
/// </summary>
public sealed class ClaudeCodeConfig : JsonAgentConfig
{
    public override string Name => "claude-code";

    public override string PathIn(ToolEnvironment environment) =>
        Path.Combine(environment.Get("CLAUDE_CONFIG_DIR") ?? Path.Combine(environment.Home, ".claude"), "settings.json");

    protected override void Merge(JsonObject root, CommandOptions options)
    {
        var env = Child(root, "env");
        env["ANTHROPIC_BASE_URL"] = options.BaseUrl;
        env["ANTHROPIC_AUTH_TOKEN"] = options.AgentKey;
    }

    protected override bool PointsAt(JsonObject root, CommandOptions options) =>
        Text(root["env"]?["ANTHROPIC_BASE_URL"]) == options.BaseUrl;

    protected override string NextStep(JsonObject root, CommandOptions options) => "claude -p \"hello\"";
}

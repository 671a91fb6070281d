using System.Text.Json.Nodes;

namespace AgentRelay.Tests.Agents;

/// <summary>
/// The Claude Code CLI 2.1.330 as a client (<c>claude -p</c>), configured in <c>~/.claude/settings.json</c>. The proxy's
/// own CLI shares that HOME: it must not follow the settings back to the proxy.
/// </summary>
public sealed class ClaudeCodeAgentTests : RealAgentTests
{
    protected override string SetupName => "claude-code";

    protected override (string Adapter, string ReasonPrefix) Expected => ("claude-code", "user-agent:claude-cli/2.1.330");

    protected override string Executable => "claude";

    protected override string ShellTool => "Bash";

    protected override bool CliSharesHome => true;

    protected override IEnumerable<string> Arguments(string prompt) =>
        ["-p", prompt, "--output-format", "json", "--model", "claude-sonnet-4-6", "--allowedTools", "Bash"];

    protected override JsonObject ShellInput(string command) => new() { ["command"] = command, ["description"] = "Append a probe line" };
}

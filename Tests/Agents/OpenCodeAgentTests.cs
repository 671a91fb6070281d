using System.Text.Json.Nodes;

namespace AgentRelay.Tests.Agents;

/// <summary>OpenCode 1.18.33 (<c>opencode run</c>), configured in <c>~/.config/opencode/opencode.json</c>.</summary>
public sealed class OpenCodeAgentTests : RealAgentTests
{
    protected override string SetupName => "opencode";

    protected override (string Adapter, string ReasonPrefix) Expected => ("opencode", "header:x-session-");

    protected override string Executable => "opencode";

    protected override string ShellTool => "bash";

    protected override IEnumerable<string> Arguments(string prompt) => ["run", "--format", "json", prompt];

    protected override JsonObject ShellInput(string command) => new() { ["command"] = command, ["description"] = "Append a probe line" };
}

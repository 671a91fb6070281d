using System.Text.Json.Nodes;

namespace AgentRelay.Tests.Agents;

/// <summary>
/// Droid 0.215.0 (<c>droid exec</c>, bring-your-own-key, no Factory login), configured in <c>~/.factory/settings.json</c>
/// as the custom model <c>custom:AgentRelay-0</c>. Each run waits ~7 s on telemetry it cannot send.
/// </summary>
public sealed class DroidAgentTests : RealAgentTests
{
    protected override string SetupName => "droid";

    protected override (string Adapter, string ReasonPrefix) Expected => ("droid", "user-agent:factory-cli/0.215.0");

    protected override string Executable => "droid";

    protected override string ShellTool => "Execute";

    // --auto low: Droid runs a low-risk command without asking.
    protected override IEnumerable<string> Arguments(string prompt) =>
        ["exec", "--auto", "low", "-m", "custom:AgentRelay-0", "-o", "json", prompt];

    protected override JsonObject ShellInput(string command) => new()
    {
        ["command"] = command,
        ["riskLevel"] = "low",
        ["riskLevelReason"] = "Appends one line to a file in the working directory",
    };
}

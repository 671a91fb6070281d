using System.Text.Json.Nodes;

namespace AgentRelay.Tests.Agents;

/// <summary>
/// Pi 0.73.1 (<c>pi -p</c>), configured in <c>~/.pi/agent/models.json</c>; it sends the plain SDK user agent, so it is
/// recognised by the <c>x-relay-agent: pi</c> header that setup puts in its provider's headers.
/// </summary>
public sealed class PiAgentTests : RealAgentTests
{
    protected override string SetupName => "pi";

    protected override (string Adapter, string ReasonPrefix) Expected => ("pi", "override:pi");

    protected override string Executable => "pi";

    protected override string ShellTool => "bash";

    protected override IEnumerable<string> Arguments(string prompt) =>
        ["-p", "--offline", "--provider", "anthropic", "--model", "claude-sonnet-4-6", prompt];

    protected override JsonObject ShellInput(string command) => new() { ["command"] = command };
}

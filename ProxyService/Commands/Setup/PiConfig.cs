using System.Text.Json.Nodes;

namespace AgentRelay.ProxyService.Commands.Setup;

/// <summary>
/// Pi: <c>~/.pi/agent/models.json</c> (or <c>PI_CODING_AGENT_DIR</c>), the built-in <c>anthropic</c> provider's
/// <c>baseUrl</c>, <c>apiKey</c> and <c>headers</c>. Pi sends the plain Anthropic SDK user agent, so the header
/// <c>x-relay-agent: pi</c> is what makes AgentRelay recognise it.
/// </summary>
public sealed class PiConfig : JsonAgentConfig
{
    public override string Name => "pi";

    public override string PathIn(ToolEnvironment environment) =>
        Path.Combine(environment.Get("PI_CODING_AGENT_DIR") ?? Path.Combine(environment.Home, ".pi", "agent"), "models.json");

    protected override void Merge(JsonObject root, CommandOptions options)
    {
        var anthropic = Child(Child(root, "providers"), "anthropic");
        anthropic["baseUrl"] = options.BaseUrl;
        anthropic["apiKey"] = options.AgentKey;
        Child(anthropic, "headers")["x-relay-agent"] = "pi";
    }

    protected override bool PointsAt(JsonObject root, CommandOptions options) =>
        Text(root["providers"]?["anthropic"]?["baseUrl"]) == options.BaseUrl;

    protected override string NextStep(JsonObject root, CommandOptions options) =>
        "pi --provider anthropic --model claude-sonnet-4-6";
}

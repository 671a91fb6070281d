using System.Text.Json.Nodes;

namespace AgentRelay.ProxyService.Commands.Setup;

/// <summary>
/// Crush: <c>~/.config/crush/crush.json</c>, a provider <c>agentrelay</c> of type <c>anthropic</c>. Recognised by its user
/// agent <c>Charm-Crush/</c>. (Crush does not install offline, so this format follows its documentation, untested here.)
/// </summary>
public sealed class CrushConfig : JsonAgentConfig
{
    public override string Name => "crush";

    public override string PathIn(ToolEnvironment environment) => Path.Combine(environment.ConfigHome, "crush", "crush.json");

    protected override void Merge(JsonObject root, CommandOptions options)
    {
        if (root.Count == 0)
        {
            root["$schema"] = "https://charm.land/crush.json";
        }

        var provider = Child(Child(root, "providers"), "agentrelay");
        provider["name"] = "AgentRelay";
        provider["type"] = "anthropic";
        provider["base_url"] = options.BaseUrl;
        provider["api_key"] = options.AgentKey;
        provider["models"] ??= new JsonArray(
            new JsonObject { ["id"] = "claude-sonnet-4-6", ["name"] = "Claude Sonnet 4.6 (AgentRelay)", ["context_window"] = 200000, ["default_max_tokens"] = 32000 },
            new JsonObject { ["id"] = "claude-haiku-4-5", ["name"] = "Claude Haiku 4.5 (AgentRelay)", ["context_window"] = 200000, ["default_max_tokens"] = 8192 });
    }

    protected override bool PointsAt(JsonObject root, CommandOptions options) =>
        Text(root["providers"]?["agentrelay"]?["base_url"]) == options.BaseUrl;

    protected override string NextStep(JsonObject root, CommandOptions options) => "crush (choose a model of the AgentRelay provider)";
}

using System.Text.Json.Nodes;

namespace AgentRelay.ProxyService.Commands.Setup;

/// <summary>
/// OpenCode: <c>~/.config/opencode/opencode.json</c> (or <c>OPENCODE_CONFIG</c>), the built-in <c>anthropic</c> provider's
/// <c>baseURL</c> (with <c>/v1</c>) and <c>apiKey</c>. OpenCode is recognised by its own user agent and session headers.
/// </summary>
public sealed class OpenCodeConfig : JsonAgentConfig
{
    /// <summary>The model set when the file names none.</summary>
    public const string DefaultModel = "anthropic/claude-sonnet-4-6";

    public override string Name => "opencode";

    public override string PathIn(ToolEnvironment environment) =>
        environment.Get("OPENCODE_CONFIG") ?? Path.Combine(environment.ConfigHome, "opencode", "opencode.json");

    protected override void Merge(JsonObject root, CommandOptions options)
    {
        if (root.Count == 0)
        {
            root["$schema"] = "https://opencode.ai/config.json";
        }

        var settings = Child(Child(Child(root, "provider"), "anthropic"), "options");
        settings["baseURL"] = options.BaseUrl + "/v1";
        settings["apiKey"] = options.AgentKey;
        root["model"] ??= DefaultModel;
    }

    protected override bool PointsAt(JsonObject root, CommandOptions options) =>
        Text(root["provider"]?["anthropic"]?["options"]?["baseURL"]) == options.BaseUrl + "/v1";

    protected override string NextStep(JsonObject root, CommandOptions options) =>
        $"opencode run --model {Text(root["model"]) ?? DefaultModel} \"hello\"";
}

using System.Text.Json.Nodes;

namespace AgentRelay.ProxyService.Commands.Setup;

/// <summary>
/// Droid (Factory CLI): <c>~/.factory/settings.json</c>, one <c>customModels</c> entry named <c>AgentRelay</c> with the
/// <c>anthropic</c> provider (bring-your-own-key, no Factory login). Recognised by its user agent <c>factory-cli/</c>.
/// </summary>
public sealed class DroidConfig : JsonAgentConfig
{
    /// <summary>The entry's display name; Droid names the model <c>custom:AgentRelay-&lt;index&gt;</c>.</summary>
    public const string DisplayName = "AgentRelay";

    public override string Name => "droid";

    public override string PathIn(ToolEnvironment environment) => Path.Combine(environment.Home, ".factory", "settings.json");

    protected override void Merge(JsonObject root, CommandOptions options)
    {
        if (root["customModels"] is not JsonArray models)
        {
            models = root["customModels"] is null ? [] : throw new FormatException("'customModels' is not an array.");
            root["customModels"] = models;
        }

        var entry = Ours(models) ?? new JsonObject();
        if (entry.Parent is null)
        {
            models.Add(entry);
        }

        entry["model"] ??= "claude-sonnet-4-6";
        entry["displayName"] = DisplayName;
        entry["baseUrl"] = options.BaseUrl;
        entry["apiKey"] = options.AgentKey;
        entry["provider"] = "anthropic";
        entry["maxOutputTokens"] ??= 32000;
    }

    protected override bool PointsAt(JsonObject root, CommandOptions options) =>
        root["customModels"] is JsonArray models && Text(Ours(models)?["baseUrl"]) == options.BaseUrl;

    protected override string NextStep(JsonObject root, CommandOptions options)
    {
        var index = root["customModels"] is JsonArray models && Ours(models) is { } entry ? models.IndexOf(entry) : 0;
        return $"droid exec -m custom:{DisplayName}-{index} \"hello\"";
    }

    private static JsonObject? Ours(JsonArray models) =>
        models.OfType<JsonObject>().FirstOrDefault(m => Text(m["displayName"]) == DisplayName);
}

using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AgentRelay.ProxyService.Adapters;

/// <summary>
/// Factory Droid (<c>factory-cli/…</c>). No session header. Working directory: the output of <c>% pwd</c> inside a
/// <c>&lt;system-reminder&gt;</c> in a user text block (Droid never puts it in plain-string content).
/// </summary>
public sealed partial class DroidAdapter : AgentAdapter
{
    private static readonly AgentDetectionRule[] s_detectionRules = [AgentDetectionRule.UserAgentStartsWith(4, "factory-cli/")];

    public override string Name => AgentAdapterNames.Droid;

    public override IReadOnlyList<AgentDetectionRule> DetectionRules => s_detectionRules;

    public override string? ExtractWorkingDirectory(JsonObject body) =>
        PromptText.FirstCapture(PromptText.User(body, includeStrings: false), PwdInSystemReminder());

    [GeneratedRegex(@"<system-reminder>[\s\S]*?% pwd\r?\n([^\r\n<]+)")]
    private static partial Regex PwdInSystemReminder();
}

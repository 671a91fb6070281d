using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AgentRelay.ProxyService.Adapters;

/// <summary>
/// Pi (<c>pi-coding-agent</c>). Its user agent is the Anthropic SDK's, so it is reached through <c>x-relay-agent: pi</c>
/// or <c>Proxy:DefaultAgent=pi</c>. Working directory: <c>Current working directory:</c> in the system prompt.
/// </summary>
public sealed partial class PiAdapter : AgentAdapter
{
    public override string Name => AgentAdapterNames.Pi;

    public override string? ExtractWorkingDirectory(JsonObject body) => PromptText.FirstCapture(PromptText.System(body), CurrentWorkingDirectory());

    [GeneratedRegex(@"Current working directory:[ \t]*([^\r\n<]+)")]
    private static partial Regex CurrentWorkingDirectory();
}

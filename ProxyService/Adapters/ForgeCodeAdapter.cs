using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AgentRelay.ProxyService.Adapters;

/// <summary>
/// ForgeCode. Working directory: <c>&lt;current_working_directory&gt;</c> in the system prompt. Its thinking blocks
/// are not forwarded (the reference proxy's effective behaviour).
/// </summary>
public sealed partial class ForgeCodeAdapter : AgentAdapter
{
    public override string Name => AgentAdapterNames.ForgeCode;

    public override bool KeepThinking => false;

    public override string? ExtractWorkingDirectory(JsonObject body) => PromptText.FirstCapture(PromptText.System(body), CurrentWorkingDirectoryTag());

    [GeneratedRegex(@"<current_working_directory>\s*([^<]+?)\s*</current_working_directory>")]
    private static partial Regex CurrentWorkingDirectoryTag();
}

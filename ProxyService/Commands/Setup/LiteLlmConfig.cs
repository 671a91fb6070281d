namespace AgentRelay.ProxyService.Commands.Setup;

/// <summary>
/// LiteLLM: <c>~/.config/litellm/config.yaml</c> (or <c>LITELLM_CONFIG</c>; run <c>litellm --config</c> with it), a
/// <c>model_list</c> entry through LiteLLM's Anthropic provider. The entry sits between marker comments, so it is replaced
/// in place on the next run and the rest of the YAML is never rewritten.
/// </summary>
public sealed class LiteLlmConfig : IAgentConfig
{
    private const string Begin = "  # agentrelay:begin (written by `agentrelay setup litellm`)";
    private const string End = "  # agentrelay:end";

    public string Name => "litellm";

    public string PathIn(ToolEnvironment environment) =>
        environment.Get("LITELLM_CONFIG") ?? Path.Combine(environment.ConfigHome, "litellm", "config.yaml");

    public string Apply(string? existing, CommandOptions options)
    {
        var block = Block(options);
        if (string.IsNullOrWhiteSpace(existing))
        {
            return "model_list:\n" + block;
        }

        var lines = existing.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n').ToList();
        var begin = lines.FindIndex(l => l.TrimStart().StartsWith("# agentrelay:begin", StringComparison.Ordinal));
        var end = lines.FindIndex(l => l.TrimStart().StartsWith("# agentrelay:end", StringComparison.Ordinal));
        if (begin >= 0 && end > begin)
        {
            lines.RemoveRange(begin, end - begin + 1);
            lines.InsertRange(begin, block.TrimEnd('\n').Split('\n'));
        }
        else if (lines.FindIndex(l => l.TrimEnd() == "model_list:") is var list and >= 0)
        {
            lines.InsertRange(list + 1, block.TrimEnd('\n').Split('\n'));
        }
        else if (lines.Any(l => l.StartsWith("model_list:", StringComparison.Ordinal)))
        {
            throw new FormatException("'model_list' is not a block list; add the entry by hand (see README, LiteLLM setup).");
        }
        else
        {
            lines.Add("model_list:");
            lines.AddRange(block.TrimEnd('\n').Split('\n'));
        }

        return string.Join('\n', lines) + "\n";
    }

    public bool PointsAt(string text, CommandOptions options) =>
        text.Contains("# agentrelay:begin", StringComparison.Ordinal)
        && text.Contains($"api_base: {options.BaseUrl}\n", StringComparison.Ordinal);

    public string NextStep(string text, CommandOptions options) => "litellm --config <this file>   (model: claude-sonnet)";

    private static string Block(CommandOptions options) => $"""
        {Begin}
          - model_name: claude-sonnet
            litellm_params:
              model: anthropic/claude-sonnet-4-6
              api_base: {options.BaseUrl}
              api_key: {options.AgentKey}
              extra_headers:
                x-relay-agent: litellm
        {End}

        """;
}

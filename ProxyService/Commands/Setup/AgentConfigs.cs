namespace AgentRelay.ProxyService.Commands.Setup;

/// <summary>The agents <c>agentrelay setup</c> knows, by name.</summary>
public static class AgentConfigs
{
    public static IReadOnlyList<IAgentConfig> All { get; } =
    [
        new OpenCodeConfig(),
        new ClaudeCodeConfig(),
        new PiConfig(),
        new DroidConfig(),
        new CrushConfig(),
        new LiteLlmConfig(),
    ];

    public static string Names => string.Join(", ", All.Select(a => a.Name));

    public static IAgentConfig? Find(string name) =>
        All.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? (string.Equals(name, "claude", StringComparison.OrdinalIgnoreCase) || string.Equals(name, "claudecode", StringComparison.OrdinalIgnoreCase)
            ? All.OfType<ClaudeCodeConfig>().Single()
            : null);
}

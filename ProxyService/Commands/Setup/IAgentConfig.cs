namespace AgentRelay.ProxyService.Commands.Setup;

/// <summary>One agent's own config file, and how AgentRelay's address and key go into it.</summary>
public interface IAgentConfig
{
    /// <summary>The name <c>agentrelay setup</c> takes (<c>opencode</c>, <c>claude-code</c>, …).</summary>
    string Name { get; }

    /// <summary>The file this agent reads, honouring the agent's own override variable where it has one.</summary>
    string PathIn(ToolEnvironment environment);

    /// <summary>The file's new text: <paramref name="existing"/> (or nothing) with AgentRelay's settings merged in.</summary>
    /// <exception cref="FormatException">The existing file cannot be read as this agent's format.</exception>
    string Apply(string? existing, CommandOptions options);

    /// <summary>Whether <paramref name="text"/> already sends this agent to AgentRelay on the options' port.</summary>
    bool PointsAt(string text, CommandOptions options);

    /// <summary>How to run the agent once it is configured.</summary>
    string NextStep(string text, CommandOptions options);
}

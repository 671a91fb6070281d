namespace AgentRelay.ProxyService.Adapters;

/// <summary>The built-in adapters' names, as <c>x-relay-agent</c> and <c>Proxy:DefaultAgent</c> spell them.</summary>
public static class AgentAdapterNames
{
    public const string OpenCode = "opencode";
    public const string Crush = "crush";
    public const string Droid = "droid";
    public const string ForgeCode = "forgecode";
    public const string Pi = "pi";
    public const string ClaudeCode = "claude-code";
    public const string LiteLlm = "litellm";

    /// <summary>The reference proxy's name for the LiteLLM adapter, still accepted.</summary>
    public const string Passthrough = "passthrough";

    /// <summary>The reference proxy also accepted Claude Code's name without the hyphen.</summary>
    public const string ClaudeCodeUnhyphenated = "claudecode";

    /// <summary>The value of <c>Proxy:DefaultAgent</c> when nothing sets it.</summary>
    public const string Default = OpenCode;
}

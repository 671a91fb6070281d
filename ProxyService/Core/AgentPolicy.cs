namespace AgentRelay.ProxyService.Core;

/// <summary>
/// What the calling agent's adapter decided for this request, in the form a backend consumes. The adapters fill it;
/// backends read it and never test which agent is calling. The defaults are what an unknown caller gets.
/// </summary>
public sealed record AgentPolicy
{
    public static readonly AgentPolicy Default = new();

    /// <summary>Working directory for the backend process (must exist on the proxy host), or <see langword="null"/> for the proxy's own.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>The client's own working directory (differs when the client is remote).</summary>
    public string? ClientWorkingDirectory { get; init; }

    /// <summary>MCP server name for the client's tools: the model sees <c>mcp__&lt;server&gt;__&lt;tool&gt;</c>.</summary>
    public string McpServerName { get; init; } = "relay";

    /// <summary>Whether the client's tools pass through to the client (the backend stops at the first tool_use and
    /// returns it under the client's own tool name) rather than being run by the backend.</summary>
    public bool PassthroughTools { get; init; } = true;

    /// <summary>Built-in CLI tools the backend must not offer the model.</summary>
    public IReadOnlyList<string> BlockedBuiltinTools { get; init; } = [];

    /// <summary>Text appended to the system prompt, or <see langword="null"/>.</summary>
    public string? SystemPromptAddendum { get; init; }

    /// <summary>Whether thinking blocks reach the client in passthrough mode.</summary>
    public bool KeepThinking { get; init; } = true;
}

using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;

namespace AgentRelay.ProxyService.Adapters;

/// <summary>
/// What makes one coding agent different from another, as a named plug-in (YARP's ILoadBalancingPolicy). An adapter
/// holds no per-request state: every member answers from its arguments alone. The values it declares are the values
/// that take effect; <see cref="AgentResolver"/> turns them into the request's <see cref="AgentPolicy"/>,
/// and no code outside this folder tests which agent is calling.
/// </summary>
/// <remarks>Register one with <see cref="AgentAdapterServiceCollectionExtensions.AddAgentAdapter{TAdapter}"/>;
/// derive from <see cref="AgentAdapter"/> to inherit the shared defaults.</remarks>
public interface IAgentAdapter
{
    /// <summary>The name referenced by <c>x-relay-agent</c>, <c>Proxy:DefaultAgent</c> and telemetry (lower case).</summary>
    string Name { get; }

    /// <summary>Other names <c>x-relay-agent</c> and <c>Proxy:DefaultAgent</c> accept for this adapter.</summary>
    IReadOnlyList<string> Aliases { get; }

    /// <summary>
    /// The header signals that identify this agent, each with its number in the documented detection order
    /// (<see cref="AgentDetector"/>); empty for agents reached only through <c>x-relay-agent</c> or <c>Proxy:DefaultAgent</c>.
    /// </summary>
    IReadOnlyList<AgentDetectionRule> DetectionRules { get; }

    /// <summary>The agent's session id from its request headers, or <see langword="null"/> when it sent none.</summary>
    AgentSessionHeader? GetSessionId(IHeaderDictionary headers);

    /// <summary>The agent's session id from the request body, when its headers had none (e.g. Claude Code's
    /// <c>metadata.user_id</c>); <see langword="null"/> otherwise.</summary>
    AgentSessionHeader? GetBodySessionId(JsonObject body);

    /// <summary>The working directory the agent reports, for the backend process; <see langword="null"/> when unknown.
    /// The resolver keeps it only if it exists on the proxy host.</summary>
    string? ExtractWorkingDirectory(JsonObject body);

    /// <summary>The client's own working directory (differs from the backend's when the client is remote).</summary>
    string? ExtractClientWorkingDirectory(JsonObject body);

    /// <summary>Message content as one string for session hashing (PROXY-SPEC §3.2).</summary>
    string NormalizeContent(JsonNode? content);

    /// <summary>MCP server that carries the client's tools: the model sees <c>mcp__&lt;server&gt;__&lt;tool&gt;</c>.</summary>
    string McpServerName { get; }

    /// <summary>Whether the client's tools pass through to the client (rather than being run by the backend).</summary>
    bool PassthroughTools { get; }

    /// <summary>Whether the response is streamed. Return <see cref="MessagesRequest.ClientStream"/> to respect the client.</summary>
    bool PrefersStreaming(MessagesRequest request);

    /// <summary>Built-in CLI tools the backend must not offer the model.</summary>
    IReadOnlyList<string> BlockedBuiltinTools { get; }

    /// <summary>Whether thinking blocks reach the client in passthrough mode.</summary>
    bool KeepThinking { get; }

    /// <summary>Text appended to the system prompt, or <see langword="null"/>.</summary>
    /// <param name="workingDirectory">The backend's working directory, <see langword="null"/> for the proxy's own.</param>
    /// <param name="clientWorkingDirectory">The client's working directory, when known.</param>
    string? SystemPromptAddendum(string? workingDirectory, string? clientWorkingDirectory);
}

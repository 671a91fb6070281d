using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;

namespace AgentRelay.ProxyService.Adapters;

/// <summary>
/// The defaults every built-in adapter shares: no detection rule, no session header or body session id, no working directory, the common hashing rule, the
/// adapter's name as MCP server, tools passed through to the client, the client's own <c>stream</c>, every built-in
/// CLI tool blocked, thinking kept, and a working-directory note when the client's directory is not the backend's.
/// </summary>
public abstract class AgentAdapter : IAgentAdapter
{
    public abstract string Name { get; }

    public virtual IReadOnlyList<string> Aliases => [];

    public virtual IReadOnlyList<AgentDetectionRule> DetectionRules => [];

    public virtual AgentSessionHeader? GetSessionId(IHeaderDictionary headers) => null;

    public virtual AgentSessionHeader? GetBodySessionId(JsonObject body) => null;

    public virtual string? ExtractWorkingDirectory(JsonObject body) => null;

    public virtual string? ExtractClientWorkingDirectory(JsonObject body) => ExtractWorkingDirectory(body);

    public virtual string NormalizeContent(JsonNode? content) => ContentNormalizer.Normalize(content);

    public virtual string McpServerName => Name;

    /// <value>Defaults to <see langword="true"/>: the proxy never runs a client's tools on its own host unless an
    /// adapter says so (the reference proxy's internal mode let any web page run bash there, PROXY-SPEC §13.14).</value>
    public virtual bool PassthroughTools => true;

    public virtual bool PrefersStreaming(MessagesRequest request) => request.ClientStream;

    /// <value>Defaults to <see cref="BuiltinTools.All"/>: the model sees the client's tools only.</value>
    public virtual IReadOnlyList<string> BlockedBuiltinTools => BuiltinTools.All;

    public virtual bool KeepThinking => true;

    public virtual string? SystemPromptAddendum(string? workingDirectory, string? clientWorkingDirectory) =>
        WorkingDirectoryNote.For(workingDirectory, clientWorkingDirectory);
}

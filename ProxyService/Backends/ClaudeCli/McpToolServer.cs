using System.Text;
using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;

namespace AgentRelay.ProxyService.Backends.ClaudeCli;

/// <summary>
/// The client's <c>tools</c> as an in-process ("sdk") MCP server of the CLI. The manifest goes into
/// <c>initialize</c> with each JSON Schema verbatim, so the model sees the client's own schemas as
/// <c>mcp__&lt;server&gt;__&lt;tool&gt;</c>; <see cref="ClientName"/> maps a model-side name back. Tools are listed
/// sorted by name, so the same set always makes the same prompt (prompt-cache stability) and the same warm process key.
/// </summary>
public sealed class McpToolServer
{
    private const string ProtocolVersion = "2025-11-25";

    private readonly List<JsonObject> _tools = [];
    private readonly Dictionary<string, string> _clientNames = new(StringComparer.Ordinal);

    private McpToolServer(string serverName) => ServerName = serverName;

    public string ServerName { get; }

    /// <summary>The client tools that became MCP tools.</summary>
    public int Count => _tools.Count;

    /// <summary>Tools the request listed but that cannot be offered (server tools without a schema).</summary>
    public List<string> Skipped { get; } = [];

    /// <summary>The server for the request's custom tools, or <see langword="null"/> when it has none.</summary>
    public static McpToolServer? From(JsonArray? tools, string serverName)
    {
        if (tools is null || tools.Count == 0)
        {
            return null;
        }

        var server = new McpToolServer(serverName);
        foreach (var node in tools)
        {
            if (node is not JsonObject tool || tool["name"].AsString() is not { Length: > 0 } name)
            {
                continue;
            }

            // Server tools (web_search_…, code_execution_…) have a versioned type and no schema: the CLI cannot host them.
            if (tool["input_schema"] is not JsonObject schema)
            {
                server.Skipped.Add(name);
                continue;
            }

            var modelName = ModelName(serverName, name);
            if (!server._clientNames.TryAdd(modelName, name))
            {
                server.Skipped.Add(name);
                continue;
            }

            var mcpTool = new JsonObject
            {
                ["name"] = name,
                ["description"] = tool["description"].AsString() ?? name,
                ["inputSchema"] = schema.DeepClone(),
            };
            server._tools.Add(mcpTool);
        }

        server._tools.Sort((a, b) => string.CompareOrdinal(a["name"].AsString(), b["name"].AsString()));
        return server._tools.Count == 0 && server.Skipped.Count == 0 ? null : server;
    }

    /// <summary>The name the model calls: <c>mcp__&lt;server&gt;__&lt;tool&gt;</c>, each part limited to <c>[A-Za-z0-9_-]</c>.</summary>
    public static string ModelName(string serverName, string toolName) => $"mcp__{Sanitize(serverName)}__{Sanitize(toolName)}";

    /// <summary>The client's own name for a model-side tool name, or <see langword="null"/> when it is not one of the client's.</summary>
    public string? ClientName(string? modelName) =>
        modelName is not null && _clientNames.TryGetValue(modelName, out var name) ? name : null;

    /// <summary><c>{initializeResult, toolsListResult}</c> as the Agent SDK sends it.</summary>
    public JsonObject Manifest() => new()
    {
        ["initializeResult"] = InitializeResult(),
        ["toolsListResult"] = ToolsList(),
    };

    public JsonObject InitializeResult() => new()
    {
        ["protocolVersion"] = ProtocolVersion,
        ["capabilities"] = new JsonObject { ["tools"] = new JsonObject { ["listChanged"] = false } },
        ["serverInfo"] = new JsonObject { ["name"] = ServerName, ["version"] = "1.0.0" },
    };

    public JsonObject ToolsList() => new() { ["tools"] = new JsonArray([.. _tools.Select(t => (JsonNode)t.DeepClone())]) };

    private static string Sanitize(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_');
        }

        return builder.ToString();
    }
}

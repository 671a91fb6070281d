using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;

namespace AgentRelay.ProxyService.Backends.ClaudeCli;

/// <summary>
/// Answers the control requests the CLI sends while it runs: <c>can_use_tool</c> (permission), <c>mcp_message</c>
/// (the in-process MCP server holding the client's tools) and <c>hook_callback</c>. Every request gets an answer, so the
/// CLI never waits on the proxy.
/// </summary>
public sealed class ControlRequests(AgentPolicy agent, McpToolServer? tools)
{
    /// <summary>What the model is told when its call of a client tool was handed to the client instead.</summary>
    public const string ForwardedToClient = "This tool runs on the client. The call was returned to the client, which will send its result in the next message.";

    /// <summary>
    /// The answer to a control request, or <see langword="null"/> when it must wait: a permission request for a client
    /// tool in passthrough mode is answered once the model's turn has ended (see <see cref="DenyForClient"/>), so every
    /// tool call of that turn still reaches the client.
    /// </summary>
    /// <param name="message">The <c>control_request</c> line.</param>
    /// <param name="stopping">Whether the run is ending (a client tool call was returned): everything is refused.</param>
    public JsonObject? Answer(JsonObject message, bool stopping)
    {
        var requestId = message["request_id"].AsString() ?? string.Empty;
        var request = message["request"] as JsonObject ?? [];
        switch (request["subtype"].AsString())
        {
            case StreamJson.ControlSubtypes.CanUseTool:
                if (stopping)
                {
                    return DenyForClient(message);
                }

                if (agent.PassthroughTools && tools?.ClientName(request["tool_name"].AsString()) is not null)
                {
                    return null;
                }

                // The CLI's own tools run on the proxy host; the adapter already removed those it must not offer.
                return StreamJson.Success(requestId, new JsonObject
                {
                    ["behavior"] = "allow",
                    ["updatedInput"] = request["input"]?.DeepClone() ?? new JsonObject(),
                    ["toolUseID"] = request["tool_use_id"]?.DeepClone(),
                });

            case StreamJson.ControlSubtypes.McpMessage:
                return StreamJson.Success(requestId, new JsonObject { ["mcp_response"] = AnswerMcp(request["message"] as JsonObject) });

            case StreamJson.ControlSubtypes.HookCallback:
                // No hooks are registered; an empty output lets the CLI carry on as if there were none.
                return StreamJson.Success(requestId, new JsonObject { ["continue"] = !stopping });

            default:
                return StreamJson.Error(requestId, $"AgentRelay does not handle control request '{request["subtype"].AsString()}'.");
        }
    }

    /// <summary>Refuses a tool call and tells the CLI to stop the run there: the call went to the client.</summary>
    public static JsonObject DenyForClient(JsonObject canUseTool)
    {
        var request = canUseTool["request"] as JsonObject ?? [];
        return StreamJson.Success(canUseTool["request_id"].AsString() ?? string.Empty, new JsonObject
        {
            ["behavior"] = "deny",
            ["message"] = ForwardedToClient,
            ["interrupt"] = true,
            ["toolUseID"] = request["tool_use_id"]?.DeepClone(),
        });
    }

    private JsonObject AnswerMcp(JsonObject? rpc)
    {
        var id = rpc?["id"]?.DeepClone();
        var response = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id };
        switch (rpc?["method"].AsString())
        {
            case "initialize" when tools is not null:
                response["result"] = tools.InitializeResult();
                break;
            case "tools/list" when tools is not null:
                response["result"] = tools.ToolsList();
                break;
            case "tools/call":
                // Reached only if the CLI runs a client tool without asking first; the proxy cannot run it.
                response["result"] = new JsonObject
                {
                    ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = ForwardedToClient }),
                    ["isError"] = true,
                };
                break;
            case { } method when method.StartsWith("notifications/", StringComparison.Ordinal):
                response["result"] = new JsonObject();
                break;
            default:
                response["error"] = new JsonObject { ["code"] = -32601, ["message"] = $"Method not found: {rpc?["method"].AsString()}" };
                break;
        }

        return response;
    }
}

using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;

namespace AgentRelay.ProxyService.Backends.ClaudeCli;

/// <summary>
/// Answers the control requests the CLI sends while it runs: <c>can_use_tool</c> (permission), <c>mcp_message</c>
/// (the in-process MCP server holding the client's tools) and <c>hook_callback</c>. Every request gets an answer except
/// a client tool's <c>tools/call</c> without a result yet: that one waits (see <see cref="Runtime.LiveCli.Hold"/>) until
/// the client's next request brings the <c>tool_result</c>.
/// </summary>
public sealed class ControlRequests(McpToolServer? tools, ToolResultAnswers? results)
{
    /// <summary>The answer to a control request, or <see langword="null"/> when it must wait for the client.</summary>
    /// <param name="message">The <c>control_request</c> line.</param>
    public JsonObject? Answer(JsonObject message)
    {
        var requestId = message["request_id"].AsString() ?? string.Empty;
        var request = message["request"] as JsonObject ?? [];
        switch (request["subtype"].AsString())
        {
            case StreamJson.ControlSubtypes.CanUseTool:
                // Client tools run on the client (their calls are answered through tools/call); the CLI's own tools run on
                // the proxy host, and the adapter already removed those it must not offer.
                return StreamJson.Success(requestId, new JsonObject
                {
                    ["behavior"] = "allow",
                    ["updatedInput"] = request["input"]?.DeepClone() ?? new JsonObject(),
                    ["toolUseID"] = request["tool_use_id"]?.DeepClone(),
                });

            case StreamJson.ControlSubtypes.McpMessage:
                var rpc = request["message"] as JsonObject;
                if (rpc?["method"].AsString() == "tools/call" && results is null)
                {
                    return null;
                }

                return StreamJson.Success(requestId, new JsonObject { ["mcp_response"] = AnswerMcp(rpc) });

            case StreamJson.ControlSubtypes.HookCallback:
                // No hooks are registered; an empty output lets the CLI carry on as if there were none.
                return StreamJson.Success(requestId, new JsonObject { ["continue"] = true });

            default:
                return StreamJson.Error(requestId, $"AgentRelay does not handle control request '{request["subtype"].AsString()}'.");
        }
    }

    /// <summary>The <c>tool_use_id</c> a <c>tools/call</c> answers (the CLI puts it in <c>_meta</c>).</summary>
    public static string? ToolUseIdOf(JsonObject? rpc) => rpc?["params"]?["_meta"]?["claudecode/toolUseId"].AsString();

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
            case "tools/call" when results is not null:
                response["result"] = results.For(ToolUseIdOf(rpc));
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

using System.Text.Json.Nodes;

namespace AgentRelay.ProxyService.Backends.ClaudeCli;

/// <summary>
/// The CLI's stream-json protocol: one JSON object per line on stdin and stdout. Names and shapes as captured from the
/// official Agent SDK driving claude 2.1.330 (<c>shared/clients/protocol/EXAMPLES.md</c>).
/// </summary>
public static class StreamJson
{
    /// <summary>Values of the top-level <c>type</c> field.</summary>
    public static class Types
    {
        public const string ControlRequest = "control_request";
        public const string ControlResponse = "control_response";
        public const string User = "user";
        public const string Assistant = "assistant";
        public const string System = "system";
        public const string StreamEvent = "stream_event";
        public const string Result = "result";
    }

    /// <summary>Values of <c>request.subtype</c> in control requests, in both directions.</summary>
    public static class ControlSubtypes
    {
        public const string Initialize = "initialize";
        public const string Interrupt = "interrupt";
        public const string CanUseTool = "can_use_tool";
        public const string McpMessage = "mcp_message";
        public const string HookCallback = "hook_callback";
        public const string McpStatus = "mcp_status";
    }

    /// <summary>Values of <c>subtype</c> in <c>system</c> and <c>result</c> messages.</summary>
    public static class Subtypes
    {
        public const string Init = "init";
        public const string Success = "success";
        public const string ErrorDuringExecution = "error_during_execution";
        public const string ErrorMaxTurns = "error_max_turns";
    }

    /// <summary><c>{"type":"control_request","request_id":…,"request":{"subtype":"initialize",…}}</c></summary>
    public static JsonObject Initialize(string requestId, string? systemPrompt, McpToolServer? tools)
    {
        var request = new JsonObject { ["subtype"] = ControlSubtypes.Initialize };
        if (tools is not null)
        {
            request["sdkMcpServers"] = new JsonArray(tools.ServerName);
            request["sdkMcpServerManifests"] = new JsonObject { [tools.ServerName] = tools.Manifest() };
        }

        if (systemPrompt is not null)
        {
            request["systemPrompt"] = new JsonArray(systemPrompt);
        }

        return ControlRequest(requestId, request);
    }

    /// <summary>
    /// Written to a pooled process at spawn: <c>mcp_status</c>, which the CLI answers before <c>initialize</c> as soon as it
    /// reads its input (with no servers yet), so its answer tells that the process has finished starting. Checked with
    /// 2.1.330: the upstream request of the turn that follows is byte for byte the same as without it.
    /// </summary>
    public static JsonObject ReadinessProbe(string requestId) => ControlRequest(requestId, new JsonObject { ["subtype"] = ControlSubtypes.McpStatus });

    /// <summary>A user turn: <c>{"type":"user","session_id":"","message":{"role":"user","content":[…]},"parent_tool_use_id":null}</c></summary>
    public static JsonObject UserMessage(JsonArray content) => new()
    {
        ["type"] = Types.User,
        ["session_id"] = string.Empty,
        ["message"] = new JsonObject { ["role"] = "user", ["content"] = content },
        ["parent_tool_use_id"] = null,
    };

    /// <summary>The user line <c>/clear</c>: the CLI drops its conversation and starts a new session, keeping its start-up
    /// options and <c>initialize</c> (checked with 2.1.330: the next upstream request holds only the turns after it).</summary>
    public static JsonObject ClearConversation() => UserMessage([new JsonObject { ["type"] = "text", ["text"] = "/clear" }]);

    /// <summary>The answer to one of the CLI's control requests.</summary>
    public static JsonObject Success(string requestId, JsonObject response) => new()
    {
        ["type"] = Types.ControlResponse,
        ["response"] = new JsonObject { ["subtype"] = "success", ["request_id"] = requestId, ["response"] = response },
    };

    /// <summary>A refusal of a control request the proxy does not serve, so the CLI never waits for an answer.</summary>
    public static JsonObject Error(string requestId, string message) => new()
    {
        ["type"] = Types.ControlResponse,
        ["response"] = new JsonObject { ["subtype"] = "error", ["request_id"] = requestId, ["error"] = message },
    };

    private static JsonObject ControlRequest(string requestId, JsonObject request) => new()
    {
        ["type"] = Types.ControlRequest,
        ["request_id"] = requestId,
        ["request"] = request,
    };
}

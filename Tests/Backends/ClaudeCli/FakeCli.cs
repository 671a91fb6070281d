using System.Text.Json.Nodes;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Tests.Backends.ClaudeCli;

/// <summary>
/// A scripted stand-in for the <c>claude</c> CLI (<c>FakeCli/fake-claude.mjs</c>, a real process speaking stream-json)
/// with its script and log in a temp directory. Point <c>Backend:ClaudePath</c> at <see cref="Executable"/> and pass
/// <see cref="Environment"/> as <c>Backend:Environment</c>.
/// </summary>
public sealed class FakeCli : IDisposable
{
    public const string SessionId = "5e55105e-0000-4000-8000-000000000001";

    private readonly TempDirectory _directory = new("relay-fakecli-");

    public FakeCli(params IEnumerable<JsonObject>[] steps)
    {
        var all = new JsonArray();
        foreach (var group in steps)
        {
            foreach (var step in group)
            {
                all.Add(step);
            }
        }

        File.WriteAllText(ScriptPath, new JsonObject { ["steps"] = all }.ToJsonString());
    }

    public static string Executable => Path.Combine(RepositoryPaths.Root, "Tests", "Backends", "ClaudeCli", "FakeCli", "fake-claude.mjs");

    public string ScriptPath => _directory.Combine("script.json");

    public string LogPath => _directory.Combine("log.jsonl");

    public string WorkDirectory => _directory.Sub("work");

    public Dictionary<string, string> Environment => new()
    {
        ["FAKE_CLI_SCRIPT"] = ScriptPath,
        ["FAKE_CLI_LOG"] = LogPath,
    };

    public List<JsonObject> Log() => File.Exists(LogPath)
        ? [.. File.ReadAllLines(LogPath).Where(l => l.Length > 0).Select(l => (JsonObject)JsonNode.Parse(l)!)]
        : [];

    /// <summary>The first log line: argv, cwd, env, pid.</summary>
    public JsonObject Launch => Log().First(e => e.ContainsKey("argv"));

    public List<string> Arguments => [.. Launch["argv"]!.AsArray().Select(a => a!.GetValue<string>())];

    public string? Env(string name) => Launch["env"]?[name]?.GetValue<string>();

    /// <summary>Every line the proxy wrote to the fake's stdin.</summary>
    public List<JsonObject> Inputs => [.. Log().Where(e => e.ContainsKey("in")).Select(e => e["in"]!.AsObject())];

    public void Dispose() => _directory.Dispose();

    // Steps.
    public static IEnumerable<JsonObject> Await(string kind) => [new() { ["await"] = kind }];

    public static IEnumerable<JsonObject> Out(params JsonObject[] messages) => messages.Select(m => new JsonObject { ["out"] = m });

    public static IEnumerable<JsonObject> Err(string line) => [new() { ["err"] = line }];

    public static IEnumerable<JsonObject> Sleep(int milliseconds) => [new() { ["sleep"] = milliseconds }];

    public static IEnumerable<JsonObject> Exit(int code) => [new() { ["exit"] = code }];

    public static IEnumerable<JsonObject> Child() => [new() { ["child"] = true }];

    public static IEnumerable<JsonObject> IgnoreStdinEnd() => [new() { ["ignoreStdinEnd"] = true }];

    /// <summary>What the real CLI does first: answer initialize, report the session.</summary>
    public static IEnumerable<JsonObject> Start(string model = "claude-sonnet-4-6") =>
    [
        .. Await("initialize"),
        .. Await("user"),
        .. Out(
            new JsonObject { ["type"] = "control_response", ["response"] = new JsonObject { ["subtype"] = "success", ["request_id"] = "relay-init", ["response"] = new JsonObject() } },
            new JsonObject { ["type"] = "system", ["subtype"] = "init", ["session_id"] = SessionId, ["model"] = model, ["tools"] = new JsonArray("Read", "Bash") }),
    ];

    /// <summary>One model turn as stream_event lines.</summary>
    public static IEnumerable<JsonObject> Turn(IEnumerable<JsonObject> events) => Out([.. events.Select(StreamEvent)]);

    public static JsonObject StreamEvent(JsonObject anthropicEvent) => new()
    {
        ["type"] = "stream_event",
        ["event"] = anthropicEvent,
        ["session_id"] = SessionId,
        ["parent_tool_use_id"] = null,
        ["uuid"] = Guid.NewGuid().ToString(),
    };

    public static JsonObject Result(string subtype = "success", bool isError = false, string? text = "done", int? apiErrorStatus = null, string stopReason = "end_turn") => new()
    {
        ["type"] = "result",
        ["subtype"] = subtype,
        ["is_error"] = isError,
        ["result"] = text,
        ["stop_reason"] = stopReason,
        ["session_id"] = SessionId,
        ["api_error_status"] = apiErrorStatus,
        ["num_turns"] = 1,
        ["usage"] = new JsonObject { ["input_tokens"] = 3, ["output_tokens"] = 4 },
    };

    /// <summary>The synthetic assistant message the CLI writes for an API error.</summary>
    public static JsonObject ApiError(string code, string text, int? status = null, string? type = null) => new()
    {
        ["type"] = "assistant",
        ["message"] = new JsonObject
        {
            ["id"] = Guid.NewGuid().ToString(),
            ["model"] = "<synthetic>",
            ["role"] = "assistant",
            ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = text }),
        },
        ["session_id"] = SessionId,
        ["error"] = code,
        ["is_api_error_message"] = true,
        ["api_error_status"] = status,
        ["api_error_type"] = type,
    };

    public static JsonObject CanUseTool(string requestId, string toolName, string toolUseId, JsonObject input) => new()
    {
        ["type"] = "control_request",
        ["request_id"] = requestId,
        ["request"] = new JsonObject
        {
            ["subtype"] = "can_use_tool",
            ["tool_name"] = toolName,
            ["input"] = input,
            ["tool_use_id"] = toolUseId,
        },
    };

    public static JsonObject McpMessage(string requestId, string server, JsonObject rpc) => new()
    {
        ["type"] = "control_request",
        ["request_id"] = requestId,
        ["request"] = new JsonObject { ["subtype"] = "mcp_message", ["server_name"] = server, ["message"] = rpc },
    };
}

using System.Text.Json.Nodes;

namespace AgentRelay.Tests.Infrastructure;

/// <summary>Anthropic SSE event sequences as the real API sends them.</summary>
public static class AnthropicStreams
{
    public static List<JsonObject> Text(string text, string id = "msg_fake_1", string model = "claude-sonnet-4-6", int chunks = 2)
    {
        var events = new List<JsonObject> { MessageStart(id, model), BlockStart(0, new JsonObject { ["type"] = "text", ["text"] = "" }), Ping() };
        foreach (var piece in Split(text, chunks))
        {
            events.Add(Delta(0, new JsonObject { ["type"] = "text_delta", ["text"] = piece }));
        }

        events.Add(BlockStop(0));
        events.Add(MessageDelta("end_turn", 7));
        events.Add(new JsonObject { ["type"] = "message_stop" });
        return events;
    }

    public static List<JsonObject> ToolUse(string id, string name, string inputJson) =>
    [
        MessageStart("msg_tool_1", "claude-sonnet-4-6"),
        BlockStart(0, new JsonObject { ["type"] = "tool_use", ["id"] = id, ["name"] = name, ["input"] = new JsonObject() }),
        Delta(0, new JsonObject { ["type"] = "input_json_delta", ["partial_json"] = inputJson[..(inputJson.Length / 2)] }),
        Delta(0, new JsonObject { ["type"] = "input_json_delta", ["partial_json"] = inputJson[(inputJson.Length / 2)..] }),
        BlockStop(0),
        MessageDelta("tool_use", 12),
        new JsonObject { ["type"] = "message_stop" },
    ];

    public static JsonObject MessageStart(string id, string model) => new()
    {
        ["type"] = "message_start",
        ["message"] = new JsonObject
        {
            ["id"] = id,
            ["type"] = "message",
            ["role"] = "assistant",
            ["model"] = model,
            ["content"] = new JsonArray(),
            ["stop_reason"] = null,
            ["stop_sequence"] = null,
            ["usage"] = new JsonObject { ["input_tokens"] = 11, ["output_tokens"] = 1 },
        },
    };

    public static JsonObject BlockStart(int index, JsonObject block) =>
        new() { ["type"] = "content_block_start", ["index"] = index, ["content_block"] = block };

    public static JsonObject Delta(int index, JsonObject delta) =>
        new() { ["type"] = "content_block_delta", ["index"] = index, ["delta"] = delta };

    public static JsonObject BlockStop(int index) => new() { ["type"] = "content_block_stop", ["index"] = index };

    public static JsonObject Ping() => new() { ["type"] = "ping" };

    public static JsonObject MessageDelta(string stopReason, int outputTokens) => new()
    {
        ["type"] = "message_delta",
        ["delta"] = new JsonObject { ["stop_reason"] = stopReason, ["stop_sequence"] = null },
        ["usage"] = new JsonObject { ["output_tokens"] = outputTokens },
    };

    public static JsonObject Message(string text, string id = "msg_json_1") => new()
    {
        ["id"] = id,
        ["type"] = "message",
        ["role"] = "assistant",
        ["model"] = "claude-sonnet-4-6",
        ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = text }),
        ["stop_reason"] = "end_turn",
        ["stop_sequence"] = null,
        ["usage"] = new JsonObject { ["input_tokens"] = 5, ["output_tokens"] = 3 },
    };

    private static IEnumerable<string> Split(string text, int chunks)
    {
        var size = Math.Max(1, (int)Math.Ceiling(text.Length / (double)chunks));
        for (var i = 0; i < text.Length; i += size)
        {
            yield return text.Substring(i, Math.Min(size, text.Length - i));
        }
    }
}

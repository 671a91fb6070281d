using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;

namespace AgentRelay.ProxyService.Backends.ClaudeCli;

/// <summary>
/// The client's <c>tool_result</c> blocks as answers to the CLI's pending <c>tools/call</c>s: text as text, base64
/// images as MCP images, <c>is_error</c> as <c>isError</c>. Other blocks of the same user message (text the client
/// sent along) are added to the last answer as text, so nothing the client sent is lost.
/// </summary>
public sealed class ToolResultAnswers
{
    private readonly Dictionary<string, JsonObject> _results;
    private readonly string? _extraTextFor;
    private readonly List<JsonObject> _extra;

    public ToolResultAnswers(IReadOnlyDictionary<string, JsonObject> toolResults, IReadOnlyList<JsonObject> otherBlocks)
    {
        _results = new Dictionary<string, JsonObject>(toolResults, StringComparer.Ordinal);
        _extra = [.. otherBlocks];
        _extraTextFor = toolResults.Keys.LastOrDefault();
    }

    /// <summary>The MCP <c>result</c> for the call of <paramref name="toolUseId"/>.</summary>
    public JsonObject For(string? toolUseId)
    {
        if (toolUseId is null || !_results.TryGetValue(toolUseId, out var block))
        {
            return new JsonObject
            {
                ["content"] = new JsonArray(Text("The client sent no result for this tool call.")),
                ["isError"] = true,
            };
        }

        var content = new JsonArray();
        switch (block["content"])
        {
            case JsonValue value:
                content.Add(Text(value.AsString() ?? string.Empty));
                break;
            case JsonArray blocks:
                foreach (var item in blocks.OfType<JsonObject>())
                {
                    content.Add(ToMcp(item));
                }

                break;
        }

        if (toolUseId == _extraTextFor)
        {
            foreach (var item in _extra)
            {
                content.Add(ToMcp(item));
            }
        }

        if (content.Count == 0)
        {
            content.Add(Text(string.Empty));
        }

        var result = new JsonObject { ["content"] = content };
        if (block["is_error"] is JsonValue flag && flag.TryGetValue<bool>(out var isError) && isError)
        {
            result["isError"] = true;
        }

        return result;
    }

    private static JsonObject ToMcp(JsonObject block) => block["type"].AsString() switch
    {
        "text" => Text(block["text"].AsString() ?? string.Empty),
        "image" when block["source"] is JsonObject source && source["type"].AsString() == "base64" => new JsonObject
        {
            ["type"] = "image",
            ["data"] = source["data"]?.DeepClone(),
            ["mimeType"] = source["media_type"]?.DeepClone(),
        },
        // MCP has no other block kinds the CLI passes on (URL images, documents, search results): their JSON as text.
        _ => Text(block.ToJsonString(JsonDefaults.Options)),
    };

    private static JsonObject Text(string text) => new() { ["type"] = "text", ["text"] = text };
}

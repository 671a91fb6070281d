using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;

namespace AgentRelay.ProxyService.Adapters;

/// <summary>
/// Message content as one string for session hashing (PROXY-SPEC §3.2): a string and the same text as a block hash
/// alike, and <c>cache_control</c> never changes a hash.
/// </summary>
public static class ContentNormalizer
{
    public static string Normalize(JsonNode? content) => content switch
    {
        null => string.Empty,
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        JsonArray blocks => NormalizeBlocks(blocks),
        _ => content.ToJsonString(JsonDefaults.Options),
    };

    private static string NormalizeBlocks(JsonArray blocks)
    {
        var result = new StringBuilder();
        foreach (var node in blocks)
        {
            if (result.Length > 0)
            {
                result.Append('\n');
            }

            result.Append(NormalizeBlock(node));
        }

        return result.ToString();
    }

    private static string NormalizeBlock(JsonNode? node)
    {
        if (node is not JsonObject block)
        {
            return node?.ToJsonString(JsonDefaults.Options) ?? "null";
        }

        switch (block["type"].AsString())
        {
            case "text" when block["text"].AsString() is { Length: > 0 } text:
                return text;
            case "tool_use":
                return $"tool_use:{block["id"].AsString()}:{block["name"].AsString()}:{Json(block["input"])}";
            case "tool_result":
                var id = block["tool_use_id"].AsString();
                return block["content"] is JsonValue content && content.GetValueKind() == JsonValueKind.String
                    ? $"tool_result:{id}:{content.GetValue<string>()}"
                    : $"tool_result:{id}:{Json(WithoutCacheControl(block["content"]))}";
            default:
                return Json(WithoutCacheControl(block));
        }
    }

    private static JsonNode? WithoutCacheControl(JsonNode? node) => node switch
    {
        JsonObject block => StripCacheControl(block),
        JsonArray blocks => new JsonArray([.. blocks.Select(item => item is JsonObject inner ? StripCacheControl(inner) : item?.DeepClone())]),
        _ => node,
    };

    private static JsonObject StripCacheControl(JsonObject block)
    {
        var copy = (JsonObject)block.DeepClone();
        copy.Remove("cache_control");
        return copy;
    }

    private static string Json(JsonNode? node) => node?.ToJsonString(JsonDefaults.Options) ?? "null";
}

using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;

namespace AgentRelay.ProxyService.Endpoints;

/// <summary>An OpenAI Chat Completions request translated: the Anthropic Messages body, and what only the response needs.</summary>
public sealed record ChatRequest(JsonObject AnthropicBody, bool IncludeUsage);

/// <summary>
/// Translates an OpenAI Chat Completions body into an Anthropic Messages body. Returns the error message instead when
/// the body is not a usable chat request.
/// </summary>
public static class ChatRequestTranslator
{
    public const int DefaultMaxTokens = 4096;

    private static readonly string[] s_roles = ["system", "developer", "user", "assistant", "tool"];

    public static (ChatRequest? Request, string? Error) Translate(JsonObject body)
    {
        if (body["messages"] is not JsonArray messages || messages.Count == 0)
        {
            return (null, body["messages"] is null
                ? "Missing required parameter: 'messages'."
                : body["messages"] is JsonArray ? "'messages' must contain at least one message." : "'messages' must be an array.");
        }

        var system = new List<string>();
        var turns = new JsonArray();
        for (var i = 0; i < messages.Count; i++)
        {
            if (messages[i] is not JsonObject message)
            {
                return (null, $"messages[{i}] must be an object.");
            }

            var role = message["role"] is JsonValue roleValue && roleValue.TryGetValue<string>(out var r) ? r : null;
            if (role is null || !s_roles.Contains(role))
            {
                return (null, $"messages[{i}].role must be one of 'system', 'developer', 'user', 'assistant', 'tool'.");
            }

            switch (role)
            {
                case "system" or "developer":
                    if (TextOf(message["content"]) is { Length: > 0 } text)
                    {
                        system.Add(text);
                    }

                    break;
                case "user":
                    AddTurn(turns, "user", ContentBlocks(message["content"]));
                    break;
                case "assistant":
                    var blocks = ContentBlocks(message["content"]);
                    if (message["tool_calls"] is JsonArray toolCalls)
                    {
                        blocks.AddRange(toolCalls.OfType<JsonObject>().Select(ToolUse));
                    }

                    AddTurn(turns, "assistant", blocks);
                    break;
                case "tool":
                    AddTurn(turns, "user", [ToolResult(message)]);
                    break;
            }
        }

        var anthropic = new JsonObject();
        if (body["model"] is { } model)
        {
            anthropic["model"] = model.DeepClone();
        }

        if (system.Count > 0)
        {
            anthropic["system"] = string.Join("\n\n", system);
        }

        anthropic["messages"] = Collapse(turns);
        anthropic["max_tokens"] = (body["max_tokens"] ?? body["max_completion_tokens"])?.DeepClone() ?? JsonValue.Create((long)DefaultMaxTokens);
        Copy(body, anthropic, "temperature");
        Copy(body, anthropic, "top_p");
        Copy(body, anthropic, "stream");
        switch (body["stop"])
        {
            case JsonArray stops:
                anthropic["stop_sequences"] = stops.DeepClone();
                break;
            case JsonValue stop when stop.GetValueKind() == JsonValueKind.String:
                anthropic["stop_sequences"] = new JsonArray(stop.DeepClone());
                break;
        }

        if (body["tools"] is JsonArray tools)
        {
            anthropic["tools"] = new JsonArray([.. tools.OfType<JsonObject>().Where(t => t["type"].AsString() is null or "function").Select(Tool)]);
        }

        if (ToolChoice(body["tool_choice"], body["parallel_tool_calls"]) is { } choice)
        {
            anthropic["tool_choice"] = choice;
        }

        var includeUsage = body["stream_options"]?["include_usage"] is JsonValue include && include.TryGetValue<bool>(out var flag) && flag;
        return (new ChatRequest(anthropic, includeUsage), null);
    }

    /// <summary>Text of a string or of the <c>text</c> parts of a list, concatenated.</summary>
    private static string TextOf(JsonNode? content) => content switch
    {
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        JsonArray parts => string.Concat(parts.OfType<JsonObject>().Where(p => p["type"].AsString() == "text").Select(p => p["text"].AsString())),
        _ => string.Empty,
    };

    private static List<JsonObject> ContentBlocks(JsonNode? content)
    {
        var blocks = new List<JsonObject>();
        if (content is JsonValue value && value.GetValueKind() == JsonValueKind.String)
        {
            AddText(blocks, value.GetValue<string>());
        }
        else if (content is JsonArray parts)
        {
            foreach (var part in parts.OfType<JsonObject>())
            {
                switch (part["type"].AsString())
                {
                    case "text":
                        AddText(blocks, part["text"].AsString());
                        break;
                    case "image_url":
                        if (Image(part["image_url"]) is { } image)
                        {
                            blocks.Add(image);
                        }

                        break;
                }
            }
        }

        return blocks;
    }

    private static void AddText(List<JsonObject> blocks, string? text)
    {
        // Anthropic refuses empty text blocks.
        if (!string.IsNullOrEmpty(text))
        {
            blocks.Add(new JsonObject { ["type"] = "text", ["text"] = text });
        }
    }

    /// <summary><c>data:</c> URLs become base64 image blocks, http(s) URLs become URL image blocks.</summary>
    internal static JsonObject? Image(JsonNode? imageUrl)
    {
        var url = imageUrl is JsonObject o ? o["url"].AsString() : imageUrl.AsString();
        if (url is null)
        {
            return null;
        }

        if (url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            var comma = url.IndexOf(',', StringComparison.Ordinal);
            var header = comma > 5 ? url[5..comma] : string.Empty;
            if (comma < 0 || !header.EndsWith(";base64", StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            return new JsonObject
            {
                ["type"] = "image",
                ["source"] = new JsonObject { ["type"] = "base64", ["media_type"] = header[..^";base64".Length], ["data"] = url[(comma + 1)..] },
            };
        }

        return url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
            ? new JsonObject { ["type"] = "image", ["source"] = new JsonObject { ["type"] = "url", ["url"] = url } }
            : null;
    }

    internal static JsonObject ToolUse(JsonObject call)
    {
        var function = call["function"] as JsonObject;
        var arguments = function?["arguments"].AsString();
        JsonNode input;
        try
        {
            input = string.IsNullOrWhiteSpace(arguments) ? new JsonObject() : JsonNode.Parse(arguments) as JsonObject ?? Raw(arguments);
        }
        catch (JsonException)
        {
            input = Raw(arguments!);
        }

        return new JsonObject
        {
            ["type"] = "tool_use",
            ["id"] = call["id"].AsString() ?? string.Empty,
            ["name"] = function?["name"].AsString() ?? string.Empty,
            ["input"] = input,
        };

        static JsonObject Raw(string arguments) => new() { ["_raw"] = arguments };
    }

    private static JsonObject ToolResult(JsonObject message)
    {
        var content = message["content"];
        var result = new JsonObject { ["type"] = "tool_result", ["tool_use_id"] = message["tool_call_id"].AsString() ?? string.Empty };
        if (content is JsonArray)
        {
            result["content"] = new JsonArray([.. ContentBlocks(content)]);
        }
        else
        {
            result["content"] = TextOf(content);
        }

        return result;
    }

    /// <summary>Consecutive messages of one role become one turn (tool results after each other, a user note after them).</summary>
    private static void AddTurn(JsonArray turns, string role, List<JsonObject> blocks)
    {
        if (blocks.Count == 0)
        {
            return;
        }

        if (turns.Count > 0 && turns[^1] is JsonObject last && last["role"].AsString() == role)
        {
            var content = (JsonArray)last["content"]!;
            foreach (var block in blocks)
            {
                content.Add(block);
            }

            return;
        }

        turns.Add(new JsonObject { ["role"] = role, ["content"] = new JsonArray([.. blocks]) });
    }

    /// <summary>A turn that is one text block is sent as a plain string.</summary>
    private static JsonArray Collapse(JsonArray turns)
    {
        foreach (var turn in turns.OfType<JsonObject>())
        {
            if (turn["content"] is JsonArray { Count: 1 } content && content[0] is JsonObject { } block && block["type"].AsString() == "text")
            {
                turn["content"] = block["text"]!.DeepClone();
            }
        }

        return turns;
    }

    private static JsonObject Tool(JsonObject tool)
    {
        var function = tool["function"] as JsonObject ?? tool;
        var result = new JsonObject { ["name"] = function["name"]?.DeepClone() };
        if (function["description"] is { } description)
        {
            result["description"] = description.DeepClone();
        }

        result["input_schema"] = function["parameters"]?.DeepClone() ?? new JsonObject { ["type"] = "object", ["properties"] = new JsonObject() };
        return result;
    }

    internal static JsonObject? ToolChoice(JsonNode? choice, JsonNode? parallel)
    {
        JsonObject? result = choice switch
        {
            JsonValue v when v.AsString() == "auto" => new JsonObject { ["type"] = "auto" },
            JsonValue v when v.AsString() == "none" => new JsonObject { ["type"] = "none" },
            JsonValue v when v.AsString() == "required" => new JsonObject { ["type"] = "any" },
            JsonObject o when o["function"]?["name"].AsString() is { } name => new JsonObject { ["type"] = "tool", ["name"] = name },
            _ => null,
        };
        if (parallel is JsonValue p && p.TryGetValue<bool>(out var allowed) && !allowed)
        {
            result ??= new JsonObject { ["type"] = "auto" };
            if (result["type"].AsString() != "none")
            {
                result["disable_parallel_tool_use"] = true;
            }
        }

        return result;
    }

    private static void Copy(JsonObject from, JsonObject to, string name)
    {
        if (from[name] is { } value)
        {
            to[name] = value.DeepClone();
        }
    }
}

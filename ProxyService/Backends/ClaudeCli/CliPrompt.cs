using System.Text;
using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;

namespace AgentRelay.ProxyService.Backends.ClaudeCli;

/// <summary>
/// What the CLI is given for one request: the system prompt (for <c>initialize</c>) and the content of the user turn
/// written live to its stdin, or <see langword="null"/> when nothing is written (the CLI resumes an interrupted turn).
/// </summary>
/// <remarks>
/// The history never goes here: <see cref="CliColdStart"/> puts it in a transcript the CLI resumes, so it reaches the
/// model as real turns. The live messages keep their content blocks as they are (text, images, documents). A
/// <c>tool_result</c> can only be live when there is no history at all to hold its <c>tool_use</c> (a request that
/// starts with one): then, as a last resort, it becomes tagged text, with any images inside kept as image blocks.
/// </remarks>
public sealed record CliPrompt(string? SystemPrompt, JsonArray? Content)
{
    public static CliPrompt Build(JsonObject body, string? systemPromptAddendum, CliColdStart start)
    {
        var systemPrompt = SystemText(body["system"], systemPromptAddendum);
        if (start.Kind == CliColdStart.KindToolResults)
        {
            return new CliPrompt(systemPrompt, null);
        }

        var messages = body["messages"] as JsonArray ?? [];
        var toolNames = ToolNames(messages);
        var content = new JsonArray();
        foreach (var message in start.Live)
        {
            AddBlocks(content, message, toolNames);
        }

        // An assistant prefill after the last user message: the CLI cannot continue a partial turn, so it is asked to.
        var prefill = new StringBuilder();
        foreach (var message in start.Prefill)
        {
            AppendBlocksAsText(prefill, message["content"], toolNames);
        }

        if (prefill.Length > 0)
        {
            content.Add(Text($"<assistant_prefill>{prefill.ToString().Trim()}</assistant_prefill>\nBegin your reply with exactly this prefill and continue from it."));
        }

        if (content.Count == 0)
        {
            content.Add(Text("(empty message)"));
        }

        return new CliPrompt(systemPrompt, content);
    }

    private static string? SystemText(JsonNode? system, string? addendum)
    {
        var text = system switch
        {
            JsonValue value => value.AsString(),
            JsonArray blocks => string.Join("\n\n", blocks.OfType<JsonObject>().Select(b => b["text"].AsString()).Where(t => !string.IsNullOrEmpty(t))),
            _ => null,
        };
        if (!string.IsNullOrWhiteSpace(addendum))
        {
            text = string.IsNullOrWhiteSpace(text) ? addendum : text + "\n\n" + addendum;
        }

        return string.IsNullOrWhiteSpace(text) ? null : text;
    }

    private static Dictionary<string, string> ToolNames(JsonArray messages)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var message in messages.OfType<JsonObject>())
        {
            if (message["content"] is JsonArray blocks)
            {
                foreach (var block in blocks.OfType<JsonObject>())
                {
                    if (block["type"].AsString() == "tool_use" && block["id"].AsString() is { } id && block["name"].AsString() is { } name)
                    {
                        names[id] = name;
                    }
                }
            }
        }

        return names;
    }

    private static void AppendBlocksAsText(StringBuilder text, JsonNode? content, Dictionary<string, string> toolNames)
    {
        if (content is JsonValue value)
        {
            text.Append(value.AsString()).Append('\n');
            return;
        }

        foreach (var block in (content as JsonArray ?? []).OfType<JsonObject>())
        {
            switch (block["type"].AsString())
            {
                case "text":
                    text.Append(block["text"].AsString()).Append('\n');
                    break;
                case "tool_use":
                    text.Append($"<tool_use id=\"{block["id"].AsString()}\" name=\"{block["name"].AsString()}\">")
                        .Append(block["input"]?.ToJsonString(JsonDefaults.Options) ?? "{}").Append("</tool_use>\n");
                    break;
                case "tool_result":
                    text.Append(ToolResultText(block, toolNames)).Append('\n');
                    break;
                case "image":
                    text.Append("[image]\n");
                    break;
                case "document":
                    text.Append($"[document{(block["title"].AsString() is { } title ? ": " + title : string.Empty)}]\n");
                    break;
            }
        }
    }

    private static void AddBlocks(JsonArray content, JsonObject? message, Dictionary<string, string> toolNames)
    {
        if (message?["content"] is JsonValue value)
        {
            content.Add(Text(value.AsString() ?? string.Empty));
            return;
        }

        foreach (var block in (message?["content"] as JsonArray ?? []).OfType<JsonObject>())
        {
            switch (block["type"].AsString())
            {
                case "text" or "image" or "document":
                    content.Add(WithoutCacheControl(block));
                    break;
                case "tool_result":
                    content.Add(Text(ToolResultText(block, toolNames)));
                    foreach (var inner in (block["content"] as JsonArray ?? []).OfType<JsonObject>())
                    {
                        if (inner["type"].AsString() is "image" or "document")
                        {
                            content.Add(WithoutCacheControl(inner));
                        }
                    }

                    break;
            }
        }
    }

    private static string ToolResultText(JsonObject block, Dictionary<string, string> toolNames)
    {
        var id = block["tool_use_id"].AsString() ?? string.Empty;
        var name = toolNames.TryGetValue(id, out var known) ? $" name=\"{known}\"" : string.Empty;
        var error = block["is_error"] is JsonValue flag && flag.TryGetValue<bool>(out var isError) && isError ? " is_error=\"true\"" : string.Empty;
        var text = new StringBuilder();
        switch (block["content"])
        {
            case JsonValue value:
                text.Append(value.AsString());
                break;
            case JsonArray parts:
                foreach (var part in parts.OfType<JsonObject>())
                {
                    text.Append(part["type"].AsString() switch
                    {
                        "text" => part["text"].AsString(),
                        "image" => "[image]",
                        "document" => "[document]",
                        _ => null,
                    }).Append('\n');
                }

                break;
        }

        return $"<tool_result tool_use_id=\"{id}\"{name}{error}>\n{text.ToString().TrimEnd()}\n</tool_result>";
    }

    private static JsonObject WithoutCacheControl(JsonObject block)
    {
        var copy = (JsonObject)block.DeepClone();
        copy.Remove("cache_control");
        return copy;
    }

    private static JsonObject Text(string text) => new() { ["type"] = "text", ["text"] = text };
}

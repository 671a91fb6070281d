using System.Text;
using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;

namespace AgentRelay.ProxyService.Backends.ClaudeCli;

/// <summary>
/// What the CLI is given for one request: the system prompt (for <c>initialize</c>) and the content of the one user
/// message written to its stdin.
/// </summary>
/// <remarks>
/// The CLI's stdin takes user turns only, so a fresh session cannot be handed the client's history as real turns.
/// The choice made here: every message before the last user message becomes one <c>&lt;conversation_history&gt;</c>
/// text block (tool calls and results included, with their ids and names), and the last user message follows with its
/// content blocks as they are (text, images, documents), so what the user just sent reaches the model structured.
/// Its <c>tool_result</c> blocks become tagged text (the CLI session has no matching <c>tool_use</c>), with any images
/// inside them kept as image blocks. A resumed session already holds the history, so only the last user message goes.
/// </remarks>
public sealed record CliPrompt(string? SystemPrompt, JsonArray Content)
{
    public static CliPrompt Build(JsonObject body, string? systemPromptAddendum, bool resuming)
    {
        var messages = body["messages"] as JsonArray ?? [];
        var toolNames = ToolNames(messages);
        var last = LastUserIndex(messages);
        var content = new JsonArray();

        if (!resuming && last > 0)
        {
            var history = new StringBuilder("<conversation_history>\nThe conversation so far, oldest first. The user's current message follows it.\n");
            for (var i = 0; i < last; i++)
            {
                AppendTurn(history, messages[i] as JsonObject, toolNames);
            }

            content.Add(Text(history.Append("</conversation_history>").ToString()));
        }

        if (last >= 0)
        {
            AddBlocks(content, messages[last] as JsonObject, toolNames);
        }

        // An assistant prefill after the last user message: the CLI cannot continue a partial turn, so it is asked to.
        var prefill = new StringBuilder();
        for (var i = last + 1; i < messages.Count; i++)
        {
            AppendBlocksAsText(prefill, (messages[i] as JsonObject)?["content"], toolNames);
        }

        if (prefill.Length > 0)
        {
            content.Add(Text($"<assistant_prefill>{prefill.ToString().Trim()}</assistant_prefill>\nBegin your reply with exactly this prefill and continue from it."));
        }

        if (content.Count == 0)
        {
            content.Add(Text("(empty message)"));
        }

        return new CliPrompt(SystemText(body["system"], systemPromptAddendum), content);
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

    private static int LastUserIndex(JsonArray messages)
    {
        for (var i = messages.Count - 1; i >= 0; i--)
        {
            if ((messages[i] as JsonObject)?["role"].AsString() == "user")
            {
                return i;
            }
        }

        return -1;
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

    private static void AppendTurn(StringBuilder history, JsonObject? message, Dictionary<string, string> toolNames)
    {
        var role = message?["role"].AsString() == "assistant" ? "assistant" : "user";
        var text = new StringBuilder();
        AppendBlocksAsText(text, message?["content"], toolNames);
        if (text.Length > 0)
        {
            history.Append('<').Append(role).Append(">\n").Append(text.ToString().Trim()).Append("\n</").Append(role).Append(">\n");
        }
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

using System.Text.Json.Nodes;

namespace AgentRelay.ProxyService.Core;

/// <summary>Turns a complete Messages API response into the streaming events that would have produced it.</summary>
public static class MessageEvents
{
    public static IEnumerable<MessageStreamEvent> FromMessage(JsonObject message)
    {
        var start = (JsonObject)message.DeepClone();
        var content = start["content"] as JsonArray ?? [];
        start["content"] = new JsonArray();
        var stopReason = start["stop_reason"]?.DeepClone();
        var stopSequence = start["stop_sequence"]?.DeepClone();
        start["stop_reason"] = null;
        start["stop_sequence"] = null;
        var usage = start["usage"] as JsonObject;
        yield return Event(StreamEventTypes.MessageStart, new JsonObject { ["message"] = start });

        var index = 0;
        foreach (var node in content)
        {
            if (node is not JsonObject block)
            {
                continue;
            }

            foreach (var blockEvent in FromBlock(index++, block))
            {
                yield return blockEvent;
            }
        }

        var deltaUsage = new JsonObject { ["output_tokens"] = usage?["output_tokens"]?.DeepClone() ?? 0 };
        yield return Event(StreamEventTypes.MessageDelta, new JsonObject
        {
            ["delta"] = new JsonObject { ["stop_reason"] = stopReason, ["stop_sequence"] = stopSequence },
            ["usage"] = deltaUsage,
        });
        yield return Event(StreamEventTypes.MessageStop, []);
    }

    public static IEnumerable<MessageStreamEvent> FromBlock(int index, JsonObject block)
    {
        var type = block["type"].AsString();
        var stub = (JsonObject)block.DeepClone();
        JsonObject? delta = null;
        JsonObject? signature = null;
        switch (type)
        {
            case "text":
                stub["text"] = string.Empty;
                delta = new JsonObject { ["type"] = "text_delta", ["text"] = block["text"]?.DeepClone() ?? string.Empty };
                stub.Remove("citations");
                break;
            case "thinking":
                stub["thinking"] = string.Empty;
                stub["signature"] = string.Empty;
                delta = new JsonObject { ["type"] = "thinking_delta", ["thinking"] = block["thinking"]?.DeepClone() ?? string.Empty };
                if (block["signature"] is { } sig)
                {
                    signature = new JsonObject { ["type"] = "signature_delta", ["signature"] = sig.DeepClone() };
                }

                break;
            case "tool_use" or "server_tool_use":
                stub["input"] = new JsonObject();
                delta = new JsonObject { ["type"] = "input_json_delta", ["partial_json"] = block["input"]?.ToJsonString() ?? "{}" };
                break;
        }

        yield return Event(StreamEventTypes.ContentBlockStart, new JsonObject { ["index"] = index, ["content_block"] = stub });
        if (delta is not null)
        {
            yield return Event(StreamEventTypes.ContentBlockDelta, new JsonObject { ["index"] = index, ["delta"] = delta });
        }

        if (type == "text" && block["citations"] is JsonArray citations)
        {
            foreach (var citation in citations)
            {
                yield return Event(StreamEventTypes.ContentBlockDelta, new JsonObject
                {
                    ["index"] = index,
                    ["delta"] = new JsonObject { ["type"] = "citations_delta", ["citation"] = citation?.DeepClone() },
                });
            }
        }

        if (signature is not null)
        {
            yield return Event(StreamEventTypes.ContentBlockDelta, new JsonObject { ["index"] = index, ["delta"] = signature });
        }

        yield return Event(StreamEventTypes.ContentBlockStop, new JsonObject { ["index"] = index });
    }

    /// <summary>An event with its <c>type</c> field first, as the Anthropic API writes it.</summary>
    public static MessageStreamEvent Event(string type, JsonObject fields)
    {
        var data = new JsonObject { ["type"] = type };
        foreach (var (key, value) in fields.ToList())
        {
            fields.Remove(key);
            data[key] = value;
        }

        return new MessageStreamEvent(type, data);
    }
}

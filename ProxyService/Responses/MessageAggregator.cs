using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;

namespace AgentRelay.ProxyService.Responses;

/// <summary>
/// Builds the non-streaming Messages response from the same events the SSE path writes. Starts from the
/// <c>message_start</c> message, so fields it does not know are kept.
/// </summary>
public sealed class MessageAggregator
{
    private JsonObject? _message;
    private readonly JsonArray _content = [];
    private readonly Dictionary<int, StringBuilder> _partialJson = [];

    /// <summary>Text and thinking deltas of blocks still open, joined once rather than one string per delta.</summary>
    private readonly Dictionary<(int Index, string Property), StringBuilder> _text = [];

    /// <summary>Whether a <c>message_start</c> has been seen.</summary>
    public bool Started => _message is not null;

    /// <summary>Whether the message is complete (<c>message_stop</c> seen).</summary>
    public bool Stopped { get; private set; }

    public void Add(MessageStreamEvent streamEvent)
    {
        // The hundreds of text deltas of a long answer are read without a JSON tree each.
        if (streamEvent.TryReadTextDelta(out var textIndex, out var text))
        {
            BlockAt(textIndex);
            Append(textIndex, "text", text);
            return;
        }

        var data = streamEvent.Data;
        switch (streamEvent.Type)
        {
            case StreamEventTypes.MessageStart:
                _message = data["message"]?.DeepClone() as JsonObject ?? [];
                _message.Remove("content");
                break;
            case StreamEventTypes.ContentBlockStart:
                var started = IndexOf(data);
                _text.Remove((started, "text"));
                _text.Remove((started, "thinking"));
                SetBlock(started, data["content_block"]?.DeepClone() as JsonObject ?? []);
                break;
            case StreamEventTypes.ContentBlockDelta:
                ApplyDelta(IndexOf(data), data["delta"] as JsonObject);
                break;
            case StreamEventTypes.ContentBlockStop:
                FinishBlock(IndexOf(data));
                break;
            case StreamEventTypes.MessageDelta:
                ApplyMessageDelta(data);
                break;
            case StreamEventTypes.MessageStop:
                Stopped = true;
                break;
        }
    }

    /// <summary>The aggregated message (a fresh copy).</summary>
    public JsonObject Build()
    {
        foreach (var (index, property) in _text.Keys.ToList())
        {
            JoinText(index, property);
        }

        var message = (JsonObject?)_message?.DeepClone() ?? new JsonObject { ["type"] = "message", ["role"] = "assistant" };
        var content = new JsonArray();
        foreach (var block in _content)
        {
            if (block is not null)
            {
                content.Add(block.DeepClone());
            }
        }

        // Keep the Anthropic field order readable: content before stop_reason and usage.
        var ordered = new JsonObject();
        foreach (var (key, value) in message)
        {
            if (key is "stop_reason" && !ordered.ContainsKey("content"))
            {
                ordered["content"] = content;
            }

            ordered[key] = value?.DeepClone();
        }

        if (!ordered.ContainsKey("content"))
        {
            ordered["content"] = content;
        }

        return ordered;
    }

    /// <summary>Forgets everything, for a retried attempt whose first output was discarded.</summary>
    public void Reset()
    {
        _message = null;
        _content.Clear();
        _partialJson.Clear();
        _text.Clear();
        Stopped = false;
    }

    private static int IndexOf(JsonObject data) =>
        data["index"] is JsonValue value && value.TryGetValue<int>(out var index) && index >= 0 ? index : 0;

    private void SetBlock(int index, JsonObject block)
    {
        while (_content.Count <= index)
        {
            _content.Add(null);
        }

        _content[index] = block;
    }

    private JsonObject BlockAt(int index)
    {
        if (index >= _content.Count || _content[index] is not JsonObject block)
        {
            block = [];
            SetBlock(index, block);
        }

        return block;
    }

    private void ApplyDelta(int index, JsonObject? delta)
    {
        if (delta is null)
        {
            return;
        }

        var block = BlockAt(index);
        switch (delta["type"].AsString())
        {
            case "text_delta":
                Append(index, "text", delta["text"].AsString());
                break;
            case "thinking_delta":
                Append(index, "thinking", delta["thinking"].AsString());
                break;
            case "signature_delta":
                block["signature"] = delta["signature"]?.DeepClone();
                break;
            case "input_json_delta":
                if (!_partialJson.TryGetValue(index, out var json))
                {
                    _partialJson[index] = json = new StringBuilder();
                }

                json.Append(delta["partial_json"].AsString());
                break;
            case "citations_delta":
                if (block["citations"] is not JsonArray citations)
                {
                    block["citations"] = citations = [];
                }

                citations.Add(delta["citation"]?.DeepClone());
                break;
        }
    }

    private void Append(int index, string property, string? piece)
    {
        if (!_text.TryGetValue((index, property), out var text))
        {
            _text[(index, property)] = text = new StringBuilder();
        }

        text.Append(piece);
    }

    /// <summary>Puts the deltas of a block's text (or thinking) into the block, after the text it started with.</summary>
    private void JoinText(int index, string property)
    {
        if (_text.Remove((index, property), out var text))
        {
            var block = BlockAt(index);
            block[property] = (block[property].AsString() ?? string.Empty) + text;
        }
    }

    private void FinishBlock(int index)
    {
        JoinText(index, "text");
        JoinText(index, "thinking");
        if (!_partialJson.Remove(index, out var json) || json.Length == 0)
        {
            return;
        }

        var block = BlockAt(index);
        try
        {
            block["input"] = JsonNode.Parse(json.ToString());
        }
        catch (JsonException)
        {
            // A truncated tool input is still shown to the client rather than silently lost.
            block["input"] = new JsonObject { ["_raw"] = json.ToString() };
        }
    }

    private void ApplyMessageDelta(JsonObject data)
    {
        _message ??= new JsonObject { ["type"] = "message", ["role"] = "assistant" };
        if (data["delta"] is JsonObject delta)
        {
            foreach (var (key, value) in delta)
            {
                _message[key] = value?.DeepClone();
            }
        }

        if (data["usage"] is JsonObject usage)
        {
            if (_message["usage"] is not JsonObject target)
            {
                _message["usage"] = target = [];
            }

            foreach (var (key, value) in usage)
            {
                // message_delta usage is cumulative: the later value replaces the earlier one.
                if (value is not null)
                {
                    target[key] = value.DeepClone();
                }
            }
        }
    }
}

using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;
using Microsoft.AspNetCore.Http.Features;

namespace AgentRelay.ProxyService.Responses;

/// <summary>
/// Writes the events as OpenAI <c>chat.completion.chunk</c>s (<c>data: {…}</c>, then <c>data: [DONE]</c>), one id for
/// all of them. Text deltas become <c>delta.content</c>, tool_use blocks <c>delta.tool_calls</c>; thinking is not
/// shown. A failure before the first chunk is a plain OpenAI JSON error; after it, a <c>data: {"error":…}</c> chunk.
/// </summary>
public sealed class OpenAIStreamSink(HttpContext context, string? model, bool includeUsage) : EventStreamSink(context)
{
    private readonly string _id = ChatCompletionShapes.NewId();
    private readonly long _created = ChatCompletionShapes.Now();
    private readonly Dictionary<int, int> _toolIndexes = [];
    private string? _model = model;
    private string? _stopReason;
    private int _promptTokens;
    private int _completionTokens;

    protected override void Write(MessageStreamEvent streamEvent)
    {
        var data = streamEvent.Data;
        switch (streamEvent.Type)
        {
            case StreamEventTypes.MessageStart:
                MessageOpen = true;
                _model ??= ChatCompletionShapes.ModelOf(null, data["message"]);
                _promptTokens = ChatCompletionShapes.PromptTokens(data["message"]?["usage"]);
                _completionTokens = ChatCompletionShapes.Int(data["message"]?["usage"]?["output_tokens"]);
                WriteChunk(new JsonObject { ["role"] = "assistant", ["content"] = string.Empty }, null);
                break;

            case StreamEventTypes.ContentBlockStart when data["content_block"] is JsonObject { } block && block["type"].AsString() == "tool_use":
                var toolIndex = _toolIndexes.Count;
                _toolIndexes[ChatCompletionShapes.Int(data["index"])] = toolIndex;
                WriteChunk(ToolCallDelta(toolIndex, new JsonObject
                {
                    ["id"] = block["id"]?.DeepClone(),
                    ["type"] = "function",
                    ["function"] = new JsonObject { ["name"] = block["name"]?.DeepClone(), ["arguments"] = string.Empty },
                }), null);
                break;

            case StreamEventTypes.ContentBlockDelta when data["delta"] is JsonObject { } delta:
                if (delta["type"].AsString() == "text_delta" && delta["text"].AsString() is { Length: > 0 } text)
                {
                    WriteChunk(new JsonObject { ["content"] = text }, null);
                }
                else if (delta["type"].AsString() == "input_json_delta" && _toolIndexes.TryGetValue(ChatCompletionShapes.Int(data["index"]), out var index)
                    && delta["partial_json"].AsString() is { Length: > 0 } json)
                {
                    WriteChunk(ToolCallDelta(index, new JsonObject { ["function"] = new JsonObject { ["arguments"] = json } }), null);
                }

                break;

            case StreamEventTypes.MessageDelta:
                _stopReason = data["delta"]?["stop_reason"].AsString() ?? _stopReason;
                if (data["usage"]?["output_tokens"] is { } output)
                {
                    _completionTokens = ChatCompletionShapes.Int(output);
                }

                break;

            case StreamEventTypes.MessageStop:
                MessageOpen = false;
                WriteChunk([], ChatCompletionShapes.FinishReason(_stopReason));
                if (includeUsage)
                {
                    var usageChunk = Chunk();
                    usageChunk["choices"] = new JsonArray();
                    usageChunk["usage"] = ChatCompletionShapes.Usage(_promptTokens, _completionTokens);
                    WriteEvent(null, usageChunk);
                }

                WriteData("[DONE]"u8);
                break;
        }
    }

    protected override Task WriteErrorAnswerAsync(BackendFailure failure) => OpenAIErrors.WriteFailureAsync(Context, failure);

    protected override void WriteFailure(BackendFailure failure)
    {
        WriteEvent(null, OpenAIErrors.FailureBody(failure));
        WriteData("[DONE]"u8);
    }

    private static JsonObject ToolCallDelta(int index, JsonObject call)
    {
        var entry = new JsonObject { ["index"] = index };
        foreach (var (key, value) in call)
        {
            entry[key] = value?.DeepClone();
        }

        return new JsonObject { ["tool_calls"] = new JsonArray(entry) };
    }

    private JsonObject Chunk() => new()
    {
        ["id"] = _id,
        ["object"] = "chat.completion.chunk",
        ["created"] = _created,
        ["model"] = _model ?? string.Empty,
    };

    private void WriteChunk(JsonObject delta, string? finishReason)
    {
        var chunk = Chunk();
        chunk["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finishReason });
        WriteEvent(null, chunk);
    }
}

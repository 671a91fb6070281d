using System.Text;
using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;
using Microsoft.AspNetCore.Http.Features;

namespace AgentRelay.ProxyService.Responses;

/// <summary>
/// Writes the events as OpenAI <c>chat.completion.chunk</c>s (<c>data: {…}</c>, then <c>data: [DONE]</c>), one id for
/// all of them. Text deltas become <c>delta.content</c>, tool_use blocks <c>delta.tool_calls</c>; thinking is not
/// shown. A failure before the first chunk is a plain OpenAI JSON error; after it, a <c>data: {"error":…}</c> chunk.
/// </summary>
public sealed class OpenAIStreamSink(HttpContext context, string? model, bool includeUsage) : IResponseSink
{
    private readonly string _id = ChatCompletionShapes.NewId();
    private readonly long _created = ChatCompletionShapes.Now();
    private readonly Dictionary<int, int> _toolIndexes = [];
    private string? _model = model;
    private string? _stopReason;
    private int _promptTokens;
    private int _completionTokens;
    private bool _messageOpen;

    public bool Committed { get; private set; }

    public async ValueTask WriteAsync(MessageStreamEvent streamEvent, CancellationToken cancellationToken)
    {
        if (!Committed)
        {
            await StartAsync(cancellationToken);
        }

        var data = streamEvent.Data;
        switch (streamEvent.Type)
        {
            case StreamEventTypes.MessageStart:
                _messageOpen = true;
                _model ??= ChatCompletionShapes.ModelOf(null, data["message"]);
                _promptTokens = ChatCompletionShapes.PromptTokens(data["message"]?["usage"]);
                _completionTokens = ChatCompletionShapes.Int(data["message"]?["usage"]?["output_tokens"]);
                await WriteChunkAsync(new JsonObject { ["role"] = "assistant", ["content"] = string.Empty }, null, cancellationToken);
                break;

            case StreamEventTypes.ContentBlockStart when data["content_block"] is JsonObject { } block && block["type"].AsString() == "tool_use":
                var toolIndex = _toolIndexes.Count;
                _toolIndexes[ChatCompletionShapes.Int(data["index"])] = toolIndex;
                await WriteChunkAsync(ToolCallDelta(toolIndex, new JsonObject
                {
                    ["id"] = block["id"]?.DeepClone(),
                    ["type"] = "function",
                    ["function"] = new JsonObject { ["name"] = block["name"]?.DeepClone(), ["arguments"] = string.Empty },
                }), null, cancellationToken);
                break;

            case StreamEventTypes.ContentBlockDelta when data["delta"] is JsonObject { } delta:
                if (delta["type"].AsString() == "text_delta" && delta["text"].AsString() is { Length: > 0 } text)
                {
                    await WriteChunkAsync(new JsonObject { ["content"] = text }, null, cancellationToken);
                }
                else if (delta["type"].AsString() == "input_json_delta" && _toolIndexes.TryGetValue(ChatCompletionShapes.Int(data["index"]), out var index)
                    && delta["partial_json"].AsString() is { Length: > 0 } json)
                {
                    await WriteChunkAsync(ToolCallDelta(index, new JsonObject { ["function"] = new JsonObject { ["arguments"] = json } }), null, cancellationToken);
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
                _messageOpen = false;
                await WriteChunkAsync([], ChatCompletionShapes.FinishReason(_stopReason), cancellationToken);
                if (includeUsage)
                {
                    var usageChunk = Chunk();
                    usageChunk["choices"] = new JsonArray();
                    usageChunk["usage"] = ChatCompletionShapes.Usage(_promptTokens, _completionTokens);
                    await WriteDataAsync(usageChunk.ToJsonString(JsonDefaults.Options), cancellationToken);
                }

                await WriteDataAsync("[DONE]", cancellationToken);
                break;
        }
    }

    public async ValueTask<BackendFailure?> CompleteAsync(CancellationToken cancellationToken)
    {
        var failure = !Committed ? SseResponseSink.Incomplete("The upstream ended its response without any event.")
            : _messageOpen ? SseResponseSink.Incomplete("The upstream stream ended before message_stop.")
            : null;
        if (failure is not null)
        {
            await FailAsync(failure, cancellationToken);
        }

        return failure;
    }

    public async ValueTask FailAsync(BackendFailure failure, CancellationToken cancellationToken)
    {
        if (!Committed)
        {
            await OpenAIErrors.WriteFailureAsync(context, failure);
            return;
        }

        _messageOpen = false;
        await WriteDataAsync(OpenAIErrors.FailureBody(failure).ToJsonString(JsonDefaults.Options), cancellationToken);
        await WriteDataAsync("[DONE]", cancellationToken);
    }

    public void Reset()
    {
        if (Committed)
        {
            throw new InvalidOperationException("A committed stream cannot be reset.");
        }
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

    private Task WriteChunkAsync(JsonObject delta, string? finishReason, CancellationToken cancellationToken)
    {
        var chunk = Chunk();
        chunk["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finishReason });
        return WriteDataAsync(chunk.ToJsonString(JsonDefaults.Options), cancellationToken);
    }

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        Committed = true;
        await SseResponseSink.StartEventStreamAsync(context, cancellationToken);
    }

    private async Task WriteDataAsync(string json, CancellationToken cancellationToken)
    {
        var writer = context.Response.BodyWriter;
        Encoding.UTF8.GetBytes("data: ", writer);
        Encoding.UTF8.GetBytes(json, writer);
        Encoding.UTF8.GetBytes("\n\n", writer);
        await writer.FlushAsync(cancellationToken);
    }
}

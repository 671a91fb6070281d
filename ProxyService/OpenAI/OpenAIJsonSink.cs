using System.Text;
using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Errors;
using AgentRelay.ProxyService.Streaming;

namespace AgentRelay.ProxyService.OpenAI;

/// <summary>Aggregates the events and writes one <c>chat.completion</c> at the end; thinking blocks are not shown.</summary>
public sealed class OpenAIJsonSink(HttpContext context, string? model) : IResponseSink
{
    private readonly MessageAggregator _aggregator = new();

    public bool Committed { get; private set; }

    public ValueTask WriteAsync(MessageStreamEvent streamEvent, CancellationToken cancellationToken)
    {
        _aggregator.Add(streamEvent);
        return ValueTask.CompletedTask;
    }

    public async ValueTask<BackendFailure?> CompleteAsync(CancellationToken cancellationToken)
    {
        if (!_aggregator.Started || !_aggregator.Stopped)
        {
            var failure = SseResponseSink.Incomplete(_aggregator.Started
                ? "The upstream stream ended before message_stop."
                : "The upstream ended its response without a message.");
            await FailAsync(failure, cancellationToken);
            return failure;
        }

        Committed = true;
        await ErrorBodies.WriteJsonAsync(context, StatusCodes.Status200OK, ToCompletion(_aggregator.Build(), model));
        return null;
    }

    public async ValueTask FailAsync(BackendFailure failure, CancellationToken cancellationToken) =>
        await OpenAIErrors.WriteFailureAsync(context, failure);

    public void Reset() => _aggregator.Reset();

    /// <summary>An Anthropic message as an OpenAI <c>chat.completion</c>.</summary>
    public static JsonObject ToCompletion(JsonObject message, string? model)
    {
        var text = new StringBuilder();
        var toolCalls = new JsonArray();
        foreach (var block in (message["content"] as JsonArray ?? []).OfType<JsonObject>())
        {
            switch (block["type"].AsString())
            {
                case "text":
                    text.Append(block["text"].AsString());
                    break;
                case "tool_use":
                    toolCalls.Add(new JsonObject
                    {
                        ["id"] = block["id"]?.DeepClone(),
                        ["type"] = "function",
                        ["function"] = new JsonObject
                        {
                            ["name"] = block["name"]?.DeepClone(),
                            ["arguments"] = block["input"]?.ToJsonString(JsonDefaults.Options) ?? "{}",
                        },
                    });
                    break;
            }
        }

        var reply = new JsonObject
        {
            ["role"] = "assistant",
            ["content"] = text.Length == 0 && toolCalls.Count > 0 ? null : text.ToString(),
        };
        if (toolCalls.Count > 0)
        {
            reply["tool_calls"] = toolCalls;
        }

        var usage = message["usage"];
        return new JsonObject
        {
            ["id"] = ChatCompletionShapes.NewId(),
            ["object"] = "chat.completion",
            ["created"] = ChatCompletionShapes.Now(),
            ["model"] = ChatCompletionShapes.ModelOf(model, message),
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = reply,
                ["finish_reason"] = ChatCompletionShapes.FinishReason(message["stop_reason"].AsString()),
            }),
            ["usage"] = ChatCompletionShapes.Usage(ChatCompletionShapes.PromptTokens(usage), ChatCompletionShapes.Int(usage?["output_tokens"])),
        };
    }
}

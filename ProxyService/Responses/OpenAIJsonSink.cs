using System.Text;
using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;

namespace AgentRelay.ProxyService.Responses;

/// <summary>The non-streaming OpenAI answer: the shared JSON sink, shaped as one <c>chat.completion</c> (thinking not shown).</summary>
public static class OpenAIJsonSink
{
    public static IResponseSink Create(HttpContext context, string? model) =>
        new JsonResponseSink(context, message => ToCompletion(message, model), OpenAIErrors.WriteFailureAsync);

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

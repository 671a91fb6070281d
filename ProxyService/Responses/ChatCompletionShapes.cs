using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;

namespace AgentRelay.ProxyService.Responses;

/// <summary>What both OpenAI sinks share: ids, finish reasons, usage.</summary>
public static class ChatCompletionShapes
{
    public static string NewId() => "chatcmpl-" + Guid.NewGuid().ToString("N");

    public static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>Anthropic <c>stop_reason</c> → OpenAI <c>finish_reason</c>.</summary>
    public static string FinishReason(string? stopReason) => stopReason switch
    {
        "max_tokens" => "length",
        "tool_use" => "tool_calls",
        "refusal" => "content_filter",
        _ => "stop",
    };

    /// <summary>Prompt tokens count cached input too, as OpenAI's do.</summary>
    public static int PromptTokens(JsonNode? usage) =>
        Int(usage?["input_tokens"]) + Int(usage?["cache_read_input_tokens"]) + Int(usage?["cache_creation_input_tokens"]);

    public static JsonObject Usage(int prompt, int completion) => new()
    {
        ["prompt_tokens"] = prompt,
        ["completion_tokens"] = completion,
        ["total_tokens"] = prompt + completion,
    };

    public static int Int(JsonNode? node) => node is JsonValue value && value.TryGetValue<int>(out var number) ? number : 0;

    /// <summary>The model to report: the one the client asked for, else the backend's.</summary>
    public static string ModelOf(string? requested, JsonNode? message) => requested ?? message?["model"].AsString() ?? string.Empty;
}

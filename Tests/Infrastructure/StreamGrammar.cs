using System.Text.Json.Nodes;

namespace AgentRelay.Tests.Infrastructure;

/// <summary>
/// The event orders a streaming client accepts, as assertions: Anthropic's Messages SSE and OpenAI's
/// <c>chat.completion.chunk</c>s. Each returns a description of the first violation, or <see langword="null"/>.
/// </summary>
public static class StreamGrammar
{
    /// <summary>
    /// <c>message_start</c>, then content blocks one at a time with consecutive indexes (start, deltas of the block's
    /// kind, stop), then <c>message_delta</c>s with no block open, <c>message_stop</c>; <c>ping</c> anywhere after the
    /// start; an <c>error</c> only as the last event.
    /// </summary>
    public static string? AnthropicViolation(IReadOnlyList<(string Event, JsonObject Data)> events)
    {
        if (events.Count == 0 || events[0].Event != "message_start")
        {
            return "the stream must begin with message_start";
        }

        int? open = null;
        string? openKind = null;
        var nextIndex = 0;
        var deltas = 0;
        var stopped = false;
        for (var i = 1; i < events.Count; i++)
        {
            var (type, data) = events[i];
            var where = $"event {i} ({type})";
            if (type != data["type"]?.GetValue<string>())
            {
                return $"{where}: its data has type {data["type"]}";
            }

            if (type == "error")
            {
                return i == events.Count - 1 ? null : $"{where}: an error must be the last event";
            }

            if (stopped)
            {
                return $"{where}: after message_stop";
            }

            switch (type)
            {
                case "ping":
                    break;
                case "content_block_start":
                    if (open is not null || deltas > 0)
                    {
                        return $"{where}: a block starts while block {open} is open or after message_delta";
                    }

                    if (data["index"]?.GetValue<int>() != nextIndex)
                    {
                        return $"{where}: index {data["index"]}, expected {nextIndex}";
                    }

                    open = nextIndex++;
                    openKind = data["content_block"]?["type"]?.GetValue<string>();
                    break;
                case "content_block_delta":
                    if (open is null || data["index"]?.GetValue<int>() != open)
                    {
                        return $"{where}: delta for index {data["index"]} while the open block is {open?.ToString() ?? "none"}";
                    }

                    var kind = data["delta"]?["type"]?.GetValue<string>();
                    var expected = openKind switch { "text" => "text_delta", "tool_use" => "input_json_delta", _ => kind };
                    if (kind != expected && kind is not ("citations_delta" or "signature_delta"))
                    {
                        return $"{where}: a {kind} inside a {openKind} block";
                    }

                    break;
                case "content_block_stop":
                    if (open is null || data["index"]?.GetValue<int>() != open)
                    {
                        return $"{where}: stop for index {data["index"]} while the open block is {open?.ToString() ?? "none"}";
                    }

                    open = null;
                    break;
                case "message_delta":
                    if (open is not null)
                    {
                        return $"{where}: block {open} is still open";
                    }

                    deltas++;
                    break;
                case "message_stop":
                    if (open is not null || deltas == 0)
                    {
                        return $"{where}: needs every block closed and a message_delta before it";
                    }

                    stopped = true;
                    break;
                default:
                    return $"{where}: unknown event";
            }
        }

        return stopped ? null : "the stream ended without message_stop or an error";
    }

    /// <summary>
    /// Chunks of one id, the first with the assistant role; tool calls numbered from 0, each introduced once with its
    /// id and name before argument fragments; then either a finish chunk (and usage) or an <c>error</c> object as the
    /// last data; <c>[DONE]</c> exactly once, at the end.
    /// </summary>
    public static string? OpenAIViolation(IReadOnlyList<JsonNode> lines)
    {
        if (lines.Count < 2 || lines[^1] is not JsonValue done || done.GetValue<string>() != "[DONE]")
        {
            return "the stream must end with data: [DONE]";
        }

        string? id = null;
        var tools = 0;
        var finished = false;
        for (var i = 0; i < lines.Count - 1; i++)
        {
            if (lines[i] is not JsonObject chunk)
            {
                return $"line {i}: not a JSON object";
            }

            if (chunk["error"] is JsonObject error)
            {
                return i != lines.Count - 2 ? $"line {i}: an error must be the last data before [DONE]"
                    : error["message"] is null || error["type"] is null ? $"line {i}: the error needs a message and a type" : null;
            }

            if (chunk["object"]?.GetValue<string>() != "chat.completion.chunk")
            {
                return $"line {i}: not a chat.completion.chunk";
            }

            if ((id ??= chunk["id"]?.GetValue<string>()) != chunk["id"]?.GetValue<string>())
            {
                return $"line {i}: a second id";
            }

            if (chunk["choices"] is not JsonArray choices)
            {
                return $"line {i}: no choices";
            }

            if (choices.Count == 0)
            {
                continue;
            }

            if (finished)
            {
                return $"line {i}: a choice after finish_reason";
            }

            var delta = choices[0]?["delta"];
            if (i == 0 && delta?["role"]?.GetValue<string>() != "assistant")
            {
                return "the first chunk must carry the assistant role";
            }

            foreach (var call in delta?["tool_calls"] as JsonArray ?? [])
            {
                var index = call!["index"]!.GetValue<int>();
                if (index == tools)
                {
                    if (call["id"] is null || call["function"]?["name"] is null)
                    {
                        return $"line {i}: tool call {index} introduced without id and name";
                    }

                    tools++;
                }
                else if (index > tools || call["id"] is not null)
                {
                    return $"line {i}: tool call {index} out of order (introduced so far: {tools})";
                }
            }

            finished = choices[0]?["finish_reason"] is not null;
        }

        return finished ? null : "the stream ended without a finish_reason or an error";
    }
}

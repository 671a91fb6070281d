using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;

namespace AgentRelay.ProxyService.Endpoints;

/// <summary>
/// The shape rules of a Messages API request. Each message names the field, so the caller can fix it. Fields it does
/// not know are left alone.
/// </summary>
public static class MessagesRequestValidator
{
    public static BackendFailure? Validate(JsonObject body)
    {
        if (!body.TryGetPropertyValue("messages", out var messagesNode) || messagesNode is null)
        {
            return BackendFailure.InvalidRequest("messages: Field required");
        }

        if (messagesNode is not JsonArray messages)
        {
            return BackendFailure.InvalidRequest($"messages: Input should be a valid list, not {RequestBodyReader.Describe(messagesNode)}");
        }

        if (messages.Count == 0)
        {
            return BackendFailure.InvalidRequest("messages: at least one message is required");
        }

        for (var i = 0; i < messages.Count; i++)
        {
            if (ValidateMessage(messages[i], i) is { } error)
            {
                return error;
            }
        }

        return ExpectKind(body, "model", "a string", JsonValueKind.String)
            ?? ExpectKind(body, "stream", "a boolean", JsonValueKind.True, JsonValueKind.False)
            ?? ExpectKind(body, "max_tokens", "an integer", JsonValueKind.Number)
            ?? ExpectInteger(body, "max_tokens")
            ?? ExpectKind(body, "system", "a string or a list of blocks", JsonValueKind.String, JsonValueKind.Array)
            ?? ExpectKind(body, "tools", "a list", JsonValueKind.Array)
            ?? ExpectKind(body, "temperature", "a number", JsonValueKind.Number)
            ?? ExpectKind(body, "top_p", "a number", JsonValueKind.Number)
            ?? ExpectKind(body, "top_k", "an integer", JsonValueKind.Number)
            ?? ExpectKind(body, "metadata", "an object", JsonValueKind.Object)
            ?? ExpectKind(body, "tool_choice", "an object", JsonValueKind.Object)
            ?? ExpectKind(body, "thinking", "an object", JsonValueKind.Object)
            ?? ExpectStringList(body, "stop_sequences")
            ?? ExpectObjects(body, "tools");
    }

    private static BackendFailure? ValidateMessage(JsonNode? node, int index)
    {
        if (node is not JsonObject message)
        {
            return BackendFailure.InvalidRequest($"messages.{index}: Input should be an object, not {RequestBodyReader.Describe(node)}");
        }

        if (message["role"] is not JsonValue role || role.GetValueKind() != JsonValueKind.String)
        {
            return BackendFailure.InvalidRequest($"messages.{index}.role: Field required and must be a string");
        }

        return message["content"] switch
        {
            null => BackendFailure.InvalidRequest($"messages.{index}.content: Field required"),
            JsonValue value when value.GetValueKind() == JsonValueKind.String => null,
            JsonArray blocks => ValidateBlocks(blocks, index),
            var other => BackendFailure.InvalidRequest($"messages.{index}.content: Input should be a string or a list of blocks, not {RequestBodyReader.Describe(other)}"),
        };
    }

    private static BackendFailure? ValidateBlocks(JsonArray blocks, int index)
    {
        for (var j = 0; j < blocks.Count; j++)
        {
            if (blocks[j] is not JsonObject block || block["type"]?.GetValueKind() != JsonValueKind.String)
            {
                return BackendFailure.InvalidRequest($"messages.{index}.content.{j}: each block must be an object with a string 'type'");
            }
        }

        return null;
    }

    private static BackendFailure? ExpectKind(JsonObject body, string field, string expected, params JsonValueKind[] kinds)
    {
        if (!body.TryGetPropertyValue(field, out var node) || node is null)
        {
            return null;
        }

        return kinds.Contains(node.GetValueKind())
            ? null
            : BackendFailure.InvalidRequest($"{field}: Input should be {expected}, not {RequestBodyReader.Describe(node)}");
    }

    /// <summary>
    /// Judged from the number's JSON text, so it holds for parsed bodies and for ones built in memory (where an
    /// <see cref="int"/> value does not convert with <c>TryGetValue&lt;long&gt;</c>).
    /// </summary>
    private static BackendFailure? ExpectInteger(JsonObject body, string field) =>
        body[field] is JsonValue value && value.GetValueKind() == JsonValueKind.Number && !long.TryParse(value.ToJsonString(), out _)
            ? BackendFailure.InvalidRequest($"{field}: Input should be a valid integer")
            : null;

    private static BackendFailure? ExpectStringList(JsonObject body, string field)
    {
        if (body[field] is null)
        {
            return null;
        }

        return body[field] is JsonArray list && list.All(item => item?.GetValueKind() == JsonValueKind.String)
            ? null
            : BackendFailure.InvalidRequest($"{field}: Input should be a list of strings");
    }

    private static BackendFailure? ExpectObjects(JsonObject body, string field) =>
        body[field] is JsonArray list && list.Any(item => item is not JsonObject)
            ? BackendFailure.InvalidRequest($"{field}: every entry must be an object")
            : null;
}

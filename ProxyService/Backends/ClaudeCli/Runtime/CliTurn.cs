using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;

namespace AgentRelay.ProxyService.Backends.ClaudeCli.Runtime;

/// <summary>
/// What the runtime needs to know about a request's conversation to find its live process: the conversation key, how
/// many messages it has, fingerprints of its last two user messages, and the <c>tool_result</c>s its last user message
/// answers.
/// </summary>
/// <remarks>
/// A kept process continues a request when the request is its conversation plus the reply it gave plus one new user
/// message: <c>MessageCount == MessagesSeen + 1</c> and the user message before the reply is the one it saw last. A
/// fingerprint ignores <c>cache_control</c>, which clients move from message to message.
/// </remarks>
public sealed record CliTurn(
    string? ConversationKey,
    int MessageCount,
    string? PreviousUserFingerprint,
    string? LastUserFingerprint,
    IReadOnlyDictionary<string, JsonObject> ToolResults,
    IReadOnlyList<JsonObject> OtherBlocks)
{
    /// <param name="body">The Messages request body.</param>
    /// <param name="sessionKey">The conversation's key when the request names one (an agent session id); otherwise
    /// the conversation is keyed by a fingerprint of its system prompt and first message.</param>
    public static CliTurn From(JsonObject body, string? sessionKey)
    {
        var messages = body["messages"] as JsonArray ?? [];
        var last = messages.Count > 0 ? messages[^1] as JsonObject : null;
        var lastIsUser = last?["role"].AsString() == "user";
        var previous = messages.Count >= 3 ? messages[^3] as JsonObject : null;

        var toolResults = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        var other = new List<JsonObject>();
        if (lastIsUser && last!["content"] is JsonArray blocks)
        {
            foreach (var block in blocks.OfType<JsonObject>())
            {
                if (block["type"].AsString() == "tool_result" && block["tool_use_id"].AsString() is { Length: > 0 } id)
                {
                    toolResults[id] = block;
                }
                else
                {
                    other.Add(block);
                }
            }
        }

        var key = sessionKey is { Length: > 0 }
            ? "session:" + sessionKey
            : messages.Count > 0 ? "fingerprint:" + Fingerprint(body["system"]) + Fingerprint(messages[0]) : null;
        return new CliTurn(
            key,
            messages.Count,
            previous?["role"].AsString() == "user" ? Fingerprint(previous) : null,
            lastIsUser ? Fingerprint(last) : null,
            toolResults,
            other);
    }

    /// <summary>A short hash of a message (or any JSON) with every <c>cache_control</c> removed.</summary>
    public static string Fingerprint(JsonNode? node)
    {
        var copy = node?.DeepClone();
        StripCacheControl(copy);
        var text = copy?.ToJsonString(JsonDefaults.Options) ?? "null";
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)), 0, 12);
    }

    private static void StripCacheControl(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                obj.Remove("cache_control");
                foreach (var (_, child) in obj)
                {
                    StripCacheControl(child);
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    StripCacheControl(child);
                }

                break;
        }
    }
}

using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;

namespace AgentRelay.ProxyService.Backends.ClaudeCli.Runtime;

/// <summary>
/// What the runtime needs to know about a request to find its conversation's live process: the session layer's
/// decision (the conversation, and where its new messages start when it continues the reply last given), the number of
/// messages, and the <c>tool_result</c>s its last user message answers.
/// </summary>
/// <remarks>
/// The runtime does not judge lineage itself: the session layer did (<see cref="SessionDecision"/>). A kept process
/// continues a request when the decision is <see cref="SessionActions.Continue"/> for the conversation the process holds
/// and the new messages start right after the reply that process gave; a process holding client tool calls is found
/// by the <c>tool_use_id</c>s the request answers.
/// </remarks>
/// <param name="ConversationKey">AgentRelay's session id (<see cref="SessionDecision.RelaySessionId"/>);
/// <see langword="null"/> for a request outside any conversation, whose process is never kept for a next turn.</param>
/// <param name="ContinuesFrom">For a continuation, the index of the first message the process does not hold.</param>
public sealed record CliTurn(
    string? ConversationKey,
    int MessageCount,
    int? ContinuesFrom,
    IReadOnlyDictionary<string, JsonObject> ToolResults,
    IReadOnlyList<JsonObject> OtherBlocks)
{
    /// <param name="body">The Messages request body.</param>
    /// <param name="session">What the session layer decided for the request.</param>
    public static CliTurn From(JsonObject body, SessionDecision session)
    {
        var messages = body["messages"] as JsonArray ?? [];
        var last = messages.Count > 0 ? messages[^1] as JsonObject : null;

        var toolResults = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        var other = new List<JsonObject>();
        if (last?["role"].AsString() == "user" && last["content"] is JsonArray blocks)
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

        return new CliTurn(
            session.RelaySessionId,
            messages.Count,
            session.Action == SessionActions.Continue ? session.NewMessagesFrom : null,
            toolResults,
            other);
    }

    /// <summary>A short hash of any JSON with every <c>cache_control</c> removed (what a process was initialized with).</summary>
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

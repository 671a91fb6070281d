using System.Text;
using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;

namespace AgentRelay.ProxyService.Backends.ClaudeCli;

/// <summary>
/// A CLI session transcript written from the client's messages, so that <c>claude --resume &lt;id&gt;</c> sends them
/// upstream as real turns (text, <c>tool_use</c>, <c>tool_result</c>, images) instead of flattened text.
/// </summary>
/// <remarks>
/// The format 2.1.330 accepts (CLIENTS.md §2): <c>$HOME/.claude/projects/&lt;cwd with every non-alphanumeric
/// character replaced by "-"&gt;/&lt;session id&gt;.jsonl</c>, one entry per message, chained by <c>parentUuid</c>.
/// Assistant entries hold a whole message object. Client tool names become the names the CLI offers the model
/// (<c>mcp__&lt;server&gt;__&lt;tool&gt;</c>); thinking blocks (signed for another session, if at all) and empty text
/// blocks are left out, as are messages left empty by that.
/// </remarks>
public static class CliTranscript
{
    public const string Version = "2.1.330";

    /// <summary>The directory the CLI keeps the sessions of <paramref name="workingDirectory"/> in.</summary>
    public static string ProjectDirectory(string home, string workingDirectory)
    {
        var slug = new StringBuilder(workingDirectory.Length);
        foreach (var c in workingDirectory)
        {
            slug.Append(char.IsAsciiLetterOrDigit(c) ? c : '-');
        }

        return Path.Combine(home, ".claude", "projects", slug.ToString());
    }

    public static string PathOf(string home, string workingDirectory, string sessionId) =>
        Path.Combine(ProjectDirectory(home, workingDirectory), sessionId + ".jsonl");

    /// <summary>The transcript's lines, oldest first.</summary>
    public static List<JsonObject> Entries(IEnumerable<JsonObject> messages, string sessionId, string workingDirectory, McpToolServer? tools, DateTimeOffset now)
    {
        var entries = new List<JsonObject>();
        string? parent = null;
        foreach (var message in messages)
        {
            var role = message["role"].AsString() == "assistant" ? "assistant" : "user";
            var content = Content(message["content"], role, tools);
            if (content.Count == 0)
            {
                continue;
            }

            var uuid = Guid.NewGuid().ToString();
            entries.Add(new JsonObject
            {
                ["parentUuid"] = parent,
                ["isSidechain"] = false,
                ["type"] = role,
                ["message"] = role == "assistant" ? AssistantMessage(content) : new JsonObject { ["role"] = "user", ["content"] = content },
                ["uuid"] = uuid,
                ["timestamp"] = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture),
                ["userType"] = "external",
                ["cwd"] = workingDirectory,
                ["sessionId"] = sessionId,
                ["version"] = Version,
            });
            parent = uuid;
        }

        return entries;
    }

    /// <summary>Writes the transcript and returns its path.</summary>
    public static async Task<string> WriteAsync(string home, string workingDirectory, string sessionId, IReadOnlyList<JsonObject> entries, CancellationToken cancellationToken)
    {
        var path = PathOf(home, workingDirectory, sessionId);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var text = new StringBuilder();
        foreach (var entry in entries)
        {
            text.Append(entry.ToJsonString(JsonDefaults.Options)).Append('\n');
        }

        await File.WriteAllTextAsync(path, text.ToString(), new UTF8Encoding(false), cancellationToken);
        return path;
    }

    private static JsonObject AssistantMessage(JsonArray content) => new()
    {
        ["id"] = "msg_relay_" + Guid.CreateVersion7().ToString("N"),
        ["type"] = "message",
        ["role"] = "assistant",
        ["model"] = "claude",
        ["content"] = content,
        ["stop_reason"] = content.OfType<JsonObject>().Any(b => b["type"].AsString() == "tool_use") ? "tool_use" : "end_turn",
        ["stop_sequence"] = null,
        ["usage"] = new JsonObject { ["input_tokens"] = 0, ["output_tokens"] = 0 },
    };

    private static JsonArray Content(JsonNode? content, string role, McpToolServer? tools)
    {
        if (content is JsonValue value)
        {
            return value.AsString() is { Length: > 0 } text ? [new JsonObject { ["type"] = "text", ["text"] = text }] : [];
        }

        var blocks = new JsonArray();
        foreach (var block in (content as JsonArray ?? []).OfType<JsonObject>())
        {
            var type = block["type"].AsString();
            if (type is "thinking" or "redacted_thinking" || (type == "text" && string.IsNullOrEmpty(block["text"].AsString())))
            {
                continue;
            }

            var copy = (JsonObject)block.DeepClone();
            copy.Remove("cache_control");
            if (role == "assistant" && type == "tool_use" && tools is not null && copy["name"].AsString() is { } name
                && tools.ClientName(McpToolServer.ModelName(tools.ServerName, name)) == name)
            {
                copy["name"] = McpToolServer.ModelName(tools.ServerName, name);
            }

            blocks.Add(copy);
        }

        return blocks;
    }
}

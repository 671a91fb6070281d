using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Adapters;
using AgentRelay.ProxyService.Core;

namespace AgentRelay.ProxyService.Sessions;

/// <summary>
/// The hashes lineage is judged by (PROXY-SPEC §3.2): one per message, <c>SHA-256("&lt;role&gt;:&lt;normalized
/// content&gt;")</c>, 32 hex characters; <see cref="Lineage"/> over all of them; <see cref="Fingerprint"/> of a
/// conversation without a session id.
/// </summary>
public static class MessageHashes
{
    public static string[] Of(JsonArray messages) =>
        [.. messages.Select(message => Message(message?["role"].AsString() ?? string.Empty, (message as JsonObject)?["content"]))];

    public static string Message(string role, JsonNode? content) => Hex($"{role}:{ContentNormalizer.Normalize(content)}", 32);

    /// <summary>Hash over a run of messages, <c>""</c> for none.</summary>
    public static string Lineage(JsonArray messages, int count)
    {
        if (count == 0)
        {
            return string.Empty;
        }

        var text = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            if (i > 0)
            {
                text.Append('\n');
            }

            text.Append(messages[i]?["role"].AsString()).Append(':').Append(ContentNormalizer.Normalize((messages[i] as JsonObject)?["content"]));
        }

        return Hex(text.ToString(), 32);
    }

    /// <summary>
    /// An assistant message as the client may send it back: thinking blocks are left out (clients drop them), the rest
    /// as <see cref="Message"/> hashes it.
    /// </summary>
    public static string Reply(JsonNode? content)
    {
        if (content is JsonArray blocks)
        {
            content = new JsonArray([.. blocks.Where(block => block?["type"].AsString() is not ("thinking" or "redacted_thinking")).Select(block => block?.DeepClone())]);
        }

        return Message("assistant", content);
    }

    /// <summary>
    /// First 16 hex characters of <c>SHA-256("&lt;cwd&gt;\n&lt;text[:2000]&gt;")</c> (or of the text alone without a
    /// working directory), where text is the first user message's text; <see langword="null"/> when it has none.
    /// </summary>
    public static string? Fingerprint(JsonArray messages, string? workingDirectory)
    {
        var first = messages.OfType<JsonObject>().FirstOrDefault(message => message["role"].AsString() == "user");
        var text = first?["content"] switch
        {
            JsonValue value => value.AsString() ?? string.Empty,
            JsonArray blocks => string.Concat(blocks.OfType<JsonObject>().Where(b => b["type"].AsString() == "text").Select(b => b["text"].AsString())),
            _ => string.Empty,
        };
        if (text.Length == 0)
        {
            return null;
        }

        text = text.Length > 2000 ? text[..2000] : text;
        return Hex(string.IsNullOrEmpty(workingDirectory) ? text : $"{workingDirectory}\n{text}", 16);
    }

    private static string Hex(string text, int length) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..length];
}

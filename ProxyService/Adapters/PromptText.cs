using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AgentRelay.ProxyService.Core;

namespace AgentRelay.ProxyService.Adapters;

/// <summary>Where agents put their environment: the texts of a request that the extraction rules search.</summary>
public static class PromptText
{
    /// <summary>The top-level <c>system</c> (a string, or its text blocks).</summary>
    public static IEnumerable<string> System(JsonObject body) => Texts(body["system"], includeString: true);

    /// <summary>The texts of <c>role: system</c> entries inside <c>messages</c> (Claude Code's <c>-p</c> mode puts its
    /// environment there).</summary>
    public static IEnumerable<string> SystemMessages(JsonObject body) => MessageTexts(body, "system", includeStrings: true);

    /// <summary>The texts of user messages, in order; <paramref name="includeStrings"/> includes plain-string content.</summary>
    public static IEnumerable<string> User(JsonObject body, bool includeStrings = true) => MessageTexts(body, "user", includeStrings);

    /// <summary>The first capture of <paramref name="pattern"/> in <paramref name="texts"/>, trimmed, or <see langword="null"/>.</summary>
    public static string? FirstCapture(IEnumerable<string> texts, Regex pattern)
    {
        foreach (var text in texts)
        {
            foreach (Match match in pattern.Matches(text))
            {
                var value = FirstGroup(match)?.Trim();
                if (!string.IsNullOrEmpty(value))
                {
                    return value;
                }
            }
        }

        return null;
    }

    private static string? FirstGroup(Match match)
    {
        for (var i = 1; i < match.Groups.Count; i++)
        {
            if (match.Groups[i].Success)
            {
                return match.Groups[i].Value;
            }
        }

        return null;
    }

    private static IEnumerable<string> MessageTexts(JsonObject body, string role, bool includeStrings)
    {
        if (body["messages"] is not JsonArray messages)
        {
            yield break;
        }

        foreach (var message in messages)
        {
            if (message is JsonObject entry && entry["role"].AsString() == role)
            {
                foreach (var text in Texts(entry["content"], includeStrings))
                {
                    yield return text;
                }
            }
        }
    }

    private static IEnumerable<string> Texts(JsonNode? content, bool includeString)
    {
        if (content.AsString() is { } text)
        {
            if (includeString)
            {
                yield return text;
            }

            yield break;
        }

        if (content is not JsonArray blocks)
        {
            yield break;
        }

        foreach (var block in blocks)
        {
            if (block is JsonObject entry && entry["type"].AsString() == "text" && entry["text"].AsString() is { } blockText)
            {
                yield return blockText;
            }
        }
    }
}

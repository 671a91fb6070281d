using System.Text.Json.Nodes;

namespace AgentRelay.Tests.Infrastructure;

/// <summary>Parses an SSE body into (event, data) pairs for assertions.</summary>
public static class SseEvents
{
    public static List<(string Event, JsonObject Data)> Parse(string body)
    {
        var result = new List<(string, JsonObject)>();
        foreach (var block in body.Replace("\r\n", "\n").Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            string? type = null;
            string? data = null;
            foreach (var line in block.Split('\n'))
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    type = line["event: ".Length..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    data = line["data: ".Length..];
                }
            }

            if (type is not null && data is not null)
            {
                result.Add((type, (JsonObject)JsonNode.Parse(data)!));
            }
        }

        return result;
    }

    public static string Text(IEnumerable<(string Event, JsonObject Data)> events) =>
        string.Concat(events.Where(e => e.Event == "content_block_delta" && e.Data["delta"]?["type"]?.GetValue<string>() == "text_delta")
            .Select(e => e.Data["delta"]!["text"]!.GetValue<string>()));
}

using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;

namespace AgentRelay.ProxyService.Backends;

/// <summary>
/// Answers <c>count_tokens</c> for backends that cannot count: about four characters of JSON text per token, which
/// is what clients use it for (deciding when to compact), not billing.
/// </summary>
public static class TokenEstimator
{
    public static int Estimate(MessagesRequest request)
    {
        var characters = Length(request.Body["system"]) + Length(request.Messages) + Length(request.Body["tools"]);
        return Math.Max(1, (int)Math.Ceiling(characters / 4.0));
    }

    public static JsonReply Reply(MessagesRequest request) =>
        new(StatusCodes.Status200OK, new JsonObject { ["input_tokens"] = Estimate(request) });

    private static int Length(JsonNode? node) => node switch
    {
        null => 0,
        JsonValue value when value.TryGetValue<string>(out var text) => text.Length,
        _ => node.ToJsonString().Length,
    };
}

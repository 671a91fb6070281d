using System.Text.Json.Nodes;

namespace AgentRelay.ProxyService.Core;

/// <summary>
/// Usage as a client would compute it from the stream. Input tokens follow the Anthropic sum rule: plain input plus
/// cache reads plus cache writes.
/// </summary>
public sealed class UsageTotals
{
    public string? ResponseId { get; private set; }
    public string? ResponseModel { get; private set; }
    public string? FinishReason { get; private set; }
    public long? InputTokens { get; private set; }
    public long? OutputTokens { get; private set; }

    public void Observe(MessageStreamEvent streamEvent)
    {
        switch (streamEvent.Type)
        {
            case StreamEventTypes.MessageStart when streamEvent.Data["message"] is JsonObject message:
                ResponseId = message["id"].AsString();
                ResponseModel = message["model"].AsString();
                ObserveUsage(message["usage"] as JsonObject);
                break;
            case StreamEventTypes.MessageDelta:
                if (streamEvent.Data["delta"]?["stop_reason"] is JsonValue stop && stop.TryGetValue<string>(out var reason))
                {
                    FinishReason = reason;
                }

                ObserveUsage(streamEvent.Data["usage"] as JsonObject);
                break;
        }
    }

    private void ObserveUsage(JsonObject? usage)
    {
        if (usage is null)
        {
            return;
        }

        var input = Number(usage, "input_tokens");
        var cacheRead = Number(usage, "cache_read_input_tokens");
        var cacheWrite = Number(usage, "cache_creation_input_tokens");
        if (input is not null || cacheRead is not null || cacheWrite is not null)
        {
            InputTokens = (input ?? 0) + (cacheRead ?? 0) + (cacheWrite ?? 0);
        }

        OutputTokens = Number(usage, "output_tokens") ?? OutputTokens;
    }

    private static long? Number(JsonObject usage, string name) =>
        usage[name] is JsonValue value && value.TryGetValue<long>(out var number) ? number : null;
}

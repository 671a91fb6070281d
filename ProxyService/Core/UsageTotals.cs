using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentRelay.ProxyService.Core;

/// <summary>
/// Usage as a client would compute it from the stream. Input tokens follow the Anthropic sum rule: plain input plus
/// cache reads plus cache writes.
/// </summary>
/// <remarks>
/// An event relayed as the upstream's bytes is read with a forward-only reader: building its JSON tree would cost a copy
/// and a tree per stream, and would make the sink re-serialize it instead of relaying the bytes.
/// </remarks>
public sealed class UsageTotals
{
    public string? ResponseId { get; private set; }
    public string? ResponseModel { get; private set; }
    public string? FinishReason { get; private set; }
    public long? InputTokens { get; private set; }
    public long? OutputTokens { get; private set; }

    public void Observe(MessageStreamEvent streamEvent)
    {
        if (streamEvent.Type is not (StreamEventTypes.MessageStart or StreamEventTypes.MessageDelta))
        {
            return;
        }

        if (streamEvent.TryGetUtf8(out var utf8))
        {
            ObserveUtf8(streamEvent.Type, utf8);
            return;
        }

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
        if (usage is not null)
        {
            Apply(Number(usage, "input_tokens"), Number(usage, "cache_read_input_tokens"), Number(usage, "cache_creation_input_tokens"), Number(usage, "output_tokens"));
        }
    }

    private void Apply(long? input, long? cacheRead, long? cacheWrite, long? output)
    {
        if (input is not null || cacheRead is not null || cacheWrite is not null)
        {
            InputTokens = (input ?? 0) + (cacheRead ?? 0) + (cacheWrite ?? 0);
        }

        OutputTokens = output ?? OutputTokens;
    }

    private static long? Number(JsonObject usage, string name) =>
        usage[name] is JsonValue value && value.TryGetValue<long>(out var number) ? number : null;

    /// <summary><c>message_start</c>: <c>message.id</c>, <c>.model</c>, <c>.usage</c>; <c>message_delta</c>: <c>delta.stop_reason</c>, <c>usage</c>.</summary>
    private void ObserveUtf8(string type, ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return;
        }

        var start = type == StreamEventTypes.MessageStart;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (start && reader.ValueTextEquals("message"u8))
            {
                reader.Read();
                ObserveMessage(ref reader);
            }
            else if (!start && reader.ValueTextEquals("delta"u8))
            {
                reader.Read();
                ObserveDelta(ref reader);
            }
            else if (!start && reader.ValueTextEquals("usage"u8))
            {
                reader.Read();
                ObserveUsage(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private void ObserveMessage(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                ResponseId = String(ref reader);
            }
            else if (reader.ValueTextEquals("model"u8))
            {
                reader.Read();
                ResponseModel = String(ref reader);
            }
            else if (reader.ValueTextEquals("usage"u8))
            {
                reader.Read();
                ObserveUsage(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private void ObserveDelta(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isStop = reader.ValueTextEquals("stop_reason"u8);
            reader.Read();
            if (isStop && reader.TokenType == JsonTokenType.String)
            {
                FinishReason = reader.GetString();
            }
            else
            {
                reader.Skip();
            }
        }
    }

    private void ObserveUsage(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        long? input = null, cacheRead = null, cacheWrite = null, output = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            ref var field = ref input;
            if (reader.ValueTextEquals("input_tokens"u8))
            {
                field = ref input;
            }
            else if (reader.ValueTextEquals("cache_read_input_tokens"u8))
            {
                field = ref cacheRead;
            }
            else if (reader.ValueTextEquals("cache_creation_input_tokens"u8))
            {
                field = ref cacheWrite;
            }
            else if (reader.ValueTextEquals("output_tokens"u8))
            {
                field = ref output;
            }
            else
            {
                reader.Read();
                reader.Skip();
                continue;
            }

            reader.Read();
            field = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var number) ? number : null;
            reader.Skip();
        }

        Apply(input, cacheRead, cacheWrite, output);
    }

    /// <summary>A string value as a string (what <c>AsString</c> gives the tree path), anything else skipped as null.</summary>
    private static string? String(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        reader.Skip();
        return null;
    }
}

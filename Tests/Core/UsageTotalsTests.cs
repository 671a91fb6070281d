using System.Text;
using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;

namespace AgentRelay.Tests.Core;

/// <summary>
/// Usage read from relayed events: from the upstream's bytes (a forward-only reader, the relay's path) and from a parsed
/// tree (events built in memory) the totals are the same, and reading the bytes leaves them to be relayed as they are.
/// </summary>
public sealed class UsageTotalsTests
{
    public static TheoryData<string, string> Streams => new()
    {
        {
            """{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-6","stop_reason":null,"usage":{"input_tokens":12,"cache_read_input_tokens":100,"cache_creation_input_tokens":7,"output_tokens":1,"server_tool_use":{"web_search_requests":0}}}}""",
            """{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":42}}"""
        },
        {
            // Unknown fields, nesting, odd order and spacing; numbers that are not whole or are null do not count.
            """{ "message": {"usage": {"output_tokens": 3, "input_tokens": null, "cache_read_input_tokens": 1.5}, "extra": [{"id":"not-this"}], "model": "m", "id": "msg_2"}, "type": "message_start" }""",
            """{"usage":{"input_tokens":9,"output_tokens":"many"},"type":"message_delta","delta":{"stop_sequence":"x","stop_reason":"max_tokens"}}"""
        },
        {
            // No usage at all, and a stop reason that is not a string.
            """{"type":"message_start","message":{"id":"msg_3","model":"m3"}}""",
            """{"type":"message_delta","delta":{"stop_reason":null}}"""
        },
    };

    [Theory]
    [MemberData(nameof(Streams))]
    public void Totals_from_the_upstream_bytes_equal_totals_from_the_parsed_tree(string start, string delta)
    {
        var fromBytes = new UsageTotals();
        var raw = new[] { Raw(start), Raw(delta) };
        foreach (var streamEvent in raw)
        {
            fromBytes.Observe(streamEvent);
        }

        var fromTree = new UsageTotals();
        fromTree.Observe(MessageStreamEvent.Create(JsonNode.Parse(start)!.AsObject()));
        fromTree.Observe(MessageStreamEvent.Create(JsonNode.Parse(delta)!.AsObject()));

        Assert.Equal(
            (fromTree.ResponseId, fromTree.ResponseModel, fromTree.FinishReason, fromTree.InputTokens, fromTree.OutputTokens),
            (fromBytes.ResponseId, fromBytes.ResponseModel, fromBytes.FinishReason, fromBytes.InputTokens, fromBytes.OutputTokens));
        // Read without parsing: the events still carry the upstream's own bytes for the wire.
        Assert.All(raw, streamEvent => Assert.True(streamEvent.TryGetUtf8(out _)));
    }

    [Fact]
    public void Input_tokens_are_the_sum_of_plain_cache_read_and_cache_write_and_the_last_output_count_wins()
    {
        var usage = new UsageTotals();
        var (start, delta) = Streams.First().Data;
        usage.Observe(Raw(start));
        usage.Observe(Raw(delta));

        Assert.Equal(("msg_1", "claude-sonnet-4-6", "end_turn", 119L, 42L),
            (usage.ResponseId, usage.ResponseModel, usage.FinishReason, usage.InputTokens, usage.OutputTokens));
    }

    private static MessageStreamEvent Raw(string json) =>
        MessageStreamEvent.FromUtf8(JsonNode.Parse(json)!["type"]!.GetValue<string>(), Encoding.UTF8.GetBytes(json));
}

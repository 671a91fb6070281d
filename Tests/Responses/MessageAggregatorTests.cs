using System.Text;
using AgentRelay.ProxyService.Core;
using AgentRelay.ProxyService.Responses;

namespace AgentRelay.Tests.Responses;

/// <summary>The JSON answer aggregated from relayed (unparsed) upstream events, text deltas read without a JSON tree.</summary>
public sealed class MessageAggregatorTests
{
    private static MessageStreamEvent Event(string type, string json) => MessageStreamEvent.FromUtf8(type, Encoding.UTF8.GetBytes(json));

    [Fact]
    public void Text_deltas_in_any_shape_are_joined_in_order()
    {
        var aggregator = new MessageAggregator();
        aggregator.Add(Event("message_start", """{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"usage":{"input_tokens":3,"output_tokens":1}}}"""));
        aggregator.Add(Event("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":"A"}}"""));
        aggregator.Add(Event("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"caf\u00e9 "}}"""));
        // Fields in another order, whitespace, and an unknown field: the general path reads it.
        aggregator.Add(Event("content_block_delta", """{ "delta" : {"text":"\"q\"\n","type":"text_delta","extra":1}, "index" : 0, "type":"content_block_delta" }"""));
        aggregator.Add(Event("content_block_delta", """{"index":0,"type":"content_block_delta","delta":{"text":"end","type":"text_delta"}}"""));
        aggregator.Add(Event("content_block_stop", """{"type":"content_block_stop","index":0}"""));
        aggregator.Add(Event("content_block_start", """{"type":"content_block_start","index":1,"content_block":{"type":"thinking","thinking":""}}"""));
        aggregator.Add(Event("content_block_delta", """{"type":"content_block_delta","index":1,"delta":{"type":"thinking_delta","thinking":"hm"}}"""));
        aggregator.Add(Event("message_delta", """{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":9}}"""));
        aggregator.Add(Event("message_stop", """{"type":"message_stop"}"""));

        var message = aggregator.Build();

        Assert.Equal("Acafé \"q\"\nend", message["content"]![0]!["text"]!.GetValue<string>());
        Assert.Equal("hm", message["content"]![1]!["thinking"]!.GetValue<string>());
        Assert.Equal("end_turn", message["stop_reason"]!.GetValue<string>());
        Assert.Equal(9, message["usage"]!["output_tokens"]!.GetValue<int>());
    }
}

using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AgentRelay.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace AgentRelay.Tests.Responses;

/// <summary>
/// An upstream that fails after every possible prefix of a stream holding a text block and a tool_use block: before
/// the first block, inside the text block, inside the tool_use block's <c>input_json_delta</c>s, between blocks, after
/// the message_delta. Both ways a stream breaks (an in-band <c>error</c> event, a broken connection) and both API
/// surfaces: the client's sequence is valid, keeps what it already received, and ends with the error.
/// </summary>
public sealed class MidStreamFailureTests : ProxyOverFakeUpstream
{
    protected override (string Key, string? Value)[] Settings => [("Retry:MaxRetries", "0")];

    private static readonly List<JsonObject> s_stream =
    [
        AnthropicStreams.MessageStart("msg_mid", "claude-sonnet-4-6"),
        AnthropicStreams.Ping(),
        AnthropicStreams.BlockStart(0, new JsonObject { ["type"] = "text", ["text"] = "" }),
        AnthropicStreams.Delta(0, new JsonObject { ["type"] = "text_delta", ["text"] = "Let me " }),
        AnthropicStreams.Delta(0, new JsonObject { ["type"] = "text_delta", ["text"] = "look." }),
        AnthropicStreams.BlockStop(0),
        AnthropicStreams.BlockStart(1, new JsonObject { ["type"] = "tool_use", ["id"] = "toolu_mid", ["name"] = "read", ["input"] = new JsonObject() }),
        AnthropicStreams.Delta(1, new JsonObject { ["type"] = "input_json_delta", ["partial_json"] = "{\"pa" }),
        AnthropicStreams.Delta(1, new JsonObject { ["type"] = "input_json_delta", ["partial_json"] = "th\":\"a.txt\"}" }),
        AnthropicStreams.BlockStop(1),
        AnthropicStreams.MessageDelta("tool_use", 9),
        new JsonObject { ["type"] = "message_stop" },
    ];

    public enum Break
    {
        ErrorEvent,
        BrokenConnection,
    }

    [Theory]
    [InlineData(Break.ErrorEvent)]
    [InlineData(Break.BrokenConnection)]
    public async Task Anthropic_stream_is_a_valid_sequence_ending_with_the_error_at_every_failure_point(Break kind)
    {
        for (var point = 0; point < s_stream.Count; point++)
        {
            Upstream.Enqueue(Reply(kind, point));

            var response = await PostAsync("/v1/messages", """{"model":"claude-sonnet-4-6","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"hi"}]}""");
            var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

            if (point == 0)
            {
                // Nothing reached the client yet: a plain error with its status.
                Assert.True(response.StatusCode >= HttpStatusCode.BadRequest, $"{kind} at {point}: {response.StatusCode}");
                Assert.Equal("error", JsonNode.Parse(body)!["type"]!.GetValue<string>());
                continue;
            }

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var events = SseEvents.Parse(body);
            Assert.True(StreamGrammar.AnthropicViolation(events) is null, $"{kind} after {point} events: {StreamGrammar.AnthropicViolation(events)}\n{body}");
            Assert.Equal(s_stream.Take(point).Select(e => e["type"]!.GetValue<string>()), events.Take(point).Select(e => e.Event));
            Assert.Equal("error", events[^1].Event);
            Assert.Equal("api_error", events[^1].Data["error"]!["type"]!.GetValue<string>());
        }
    }

    [Theory]
    [InlineData(Break.ErrorEvent)]
    [InlineData(Break.BrokenConnection)]
    public async Task OpenAI_stream_is_valid_chunks_ending_with_the_error_at_every_failure_point(Break kind)
    {
        for (var point = 0; point < s_stream.Count; point++)
        {
            Upstream.Enqueue(Reply(kind, point));

            var response = await PostAsync("/v1/chat/completions", """{"model":"claude-sonnet-4-6","stream":true,"messages":[{"role":"user","content":"hi"}]}""");
            var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

            if (point == 0)
            {
                Assert.True(response.StatusCode >= HttpStatusCode.BadRequest, $"{kind} at {point}: {response.StatusCode}");
                Assert.NotNull(JsonNode.Parse(body)!["error"]!["message"]);
                continue;
            }

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var lines = OpenAISinkTests.DataLines(body);
            Assert.True(StreamGrammar.OpenAIViolation(lines) is null, $"{kind} after {point} events: {StreamGrammar.OpenAIViolation(lines)}\n{body}");
            Assert.NotNull(lines[^2]["error"]);
            var text = string.Concat(lines.SkipLast(2).Select(line => line["choices"]?[0]?["delta"]?["content"]?.GetValue<string>()));
            Assert.Equal(point switch { < 4 => "", 4 => "Let me ", _ => "Let me look." }, text);
        }
    }

    [Fact]
    public void The_grammars_refuse_a_block_left_open_and_chunks_after_the_error()
    {
        var open = SseEvents.Parse(
            "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{}}\n\n" +
            "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\"}}\n\n" +
            "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{}}\n\n" +
            "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n" +
            "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"x\"}}\n\n");
        Assert.Contains("still open", StreamGrammar.AnthropicViolation(open));

        var afterError = OpenAISinkTests.DataLines(
            "data: {\"error\":{\"message\":\"x\",\"type\":\"api_error\"}}\n\n" +
            "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[]}\n\ndata: [DONE]\n\n");
        Assert.Contains("last data", StreamGrammar.OpenAIViolation(afterError));
    }

    /// <summary>The stream's first <paramref name="point"/> events, then the break.</summary>
    private static Func<HttpContext, Task> Reply(Break kind, int point) => kind switch
    {
        Break.ErrorEvent => Replies.SseReply([.. s_stream.Take(point).Select(e => (JsonObject)e.DeepClone()),
            new JsonObject { ["type"] = "error", ["error"] = new JsonObject { ["type"] = "api_error", ["message"] = "Internal server error" } }]),
        _ => context => Replies.Sse(context, s_stream.Select(e => (JsonObject)e.DeepClone()), failAfter: point),
    };

    private Task<HttpResponseMessage> PostAsync(string path, string json) =>
        Proxy.CreateClient().PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
}

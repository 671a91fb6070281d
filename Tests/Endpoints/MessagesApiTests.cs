using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Tests.Endpoints;

public sealed class MessagesApiTests : ProxyOverFakeUpstream
{
    private static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");

    private static string Request(bool? stream = null, string extra = "") =>
        $$"""{"model":"claude-sonnet-4-6","max_tokens":100,{{(stream is null ? "" : $"\"stream\":{stream.Value.ToString().ToLowerInvariant()},")}}{{extra}}"messages":[{"role":"user","content":"hi"}]}""";

    [Fact]
    public async Task Streaming_request_relays_every_upstream_event_in_order()
    {
        Upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("Hello there, streaming world.", chunks: 4)));
        var client = Proxy.CreateClient();

        var response = await client.PostAsync("/v1/messages", Body(Request(stream: true)), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
        var events = SseEvents.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(
            ["message_start", "content_block_start", "ping", "content_block_delta", "content_block_delta", "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop"],
            events.Select(e => e.Event));
        Assert.Equal("Hello there, streaming world.", SseEvents.Text(events));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(null)]
    public async Task Non_streaming_request_gets_the_message_aggregated_from_the_same_events(bool? stream)
    {
        Upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("Aggregated answer.", id: "msg_agg")));
        var client = Proxy.CreateClient();

        var response = await client.PostAsync("/v1/messages", Body(Request(stream)), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var message = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        Assert.Equal("msg_agg", message["id"]!.GetValue<string>());
        Assert.Equal("Aggregated answer.", message["content"]![0]!["text"]!.GetValue<string>());
        Assert.Equal("end_turn", message["stop_reason"]!.GetValue<string>());
        Assert.Equal(7, message["usage"]!["output_tokens"]!.GetValue<int>());
        Assert.Equal(11, message["usage"]!["input_tokens"]!.GetValue<int>());
        // The upstream is always asked to stream: one event stream feeds both response kinds.
        Assert.True(Upstream.Requests.Single().Body!["stream"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Tool_use_input_is_assembled_from_partial_json()
    {
        Upstream.Enqueue(Replies.SseReply(AnthropicStreams.ToolUse("toolu_1", "read", """{"path":"/tmp/a.txt","lines":[1,2]}""")));
        var client = Proxy.CreateClient();

        var response = await client.PostAsync("/v1/messages", Body(Request(stream: false)), TestContext.Current.CancellationToken);

        var message = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        var block = message["content"]![0]!;
        Assert.Equal("tool_use", block["type"]!.GetValue<string>());
        Assert.Equal("/tmp/a.txt", block["input"]!["path"]!.GetValue<string>());
        Assert.Equal(2, block["input"]!["lines"]!.AsArray().Count);
        Assert.Equal("tool_use", message["stop_reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Unknown_request_and_response_fields_are_kept()
    {
        var events = AnthropicStreams.Text("x");
        events[0]["message"]!["future_field"] = new JsonObject { ["kept"] = true };
        Upstream.Enqueue(Replies.SseReply(events));
        var client = Proxy.CreateClient();

        var response = await client.PostAsync("/v1/messages", Body(Request(false, "\"context_management\":{\"edits\":[1]},\"output_config\":{\"effort\":\"low\"},")), TestContext.Current.CancellationToken);

        var sent = Upstream.Requests.Single().Body!;
        Assert.Equal(1, sent["context_management"]!["edits"]![0]!.GetValue<int>());
        Assert.Equal("low", sent["output_config"]!["effort"]!.GetValue<string>());
        var message = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        Assert.True(message["future_field"]!["kept"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Upstream_error_status_and_body_pass_through(bool stream)
    {
        Upstream.Enqueue(Replies.Error(400, "invalid_request_error", "max_tokens: too large for this model"));
        var client = Proxy.CreateClient();

        var response = await client.PostAsync("/v1/messages", Body(Request(stream)), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        Assert.Equal("error", error["type"]!.GetValue<string>());
        Assert.Equal("invalid_request_error", error["error"]!["type"]!.GetValue<string>());
        Assert.Equal("max_tokens: too large for this model", error["error"]!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Upstream_that_answers_json_is_turned_into_events_for_a_streaming_client()
    {
        Upstream.Enqueue(Replies.Json(200, AnthropicStreams.Message("from json")));
        var client = Proxy.CreateClient();

        var response = await client.PostAsync("/v1/messages", Body(Request(stream: true)), TestContext.Current.CancellationToken);

        var events = SseEvents.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("from json", SseEvents.Text(events));
        Assert.Equal("message_stop", events[^1].Event);
    }

    [Fact]
    public async Task Error_event_after_content_ends_the_stream_in_band()
    {
        var events = AnthropicStreams.Text("partial answer");
        events.RemoveRange(4, events.Count - 4);
        events.Add(new JsonObject { ["type"] = "error", ["error"] = new JsonObject { ["type"] = "overloaded_error", ["message"] = "Overloaded" } });
        Upstream.Enqueue(Replies.SseReply(events));
        var client = Proxy.CreateClient();

        var response = await client.PostAsync("/v1/messages", Body(Request(stream: true)), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = SseEvents.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(["message_delta", "message_stop", "error"], received.TakeLast(3).Select(e => e.Event));
        Assert.Equal("overloaded_error", received[^1].Data["error"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Relayed_events_reach_the_client_byte_for_byte()
    {
        // Odd but valid JSON: spacing, escapes and a field order that re-serializing would change.
        const string delta = """{ "index":0, "type":"content_block_delta", "delta": {"type":"text_delta","text":"caf\u00e9 \"q\""} }""";
        Upstream.Enqueue(async context =>
        {
            context.Response.ContentType = "text/event-stream";
            var start = AnthropicStreams.MessageStart("msg_raw", "claude-sonnet-4-6").ToJsonString();
            await context.Response.WriteAsync($"event: message_start\ndata: {start}\n\nevent: content_block_delta\ndata: {delta}\n\n" +
                "data: {\"type\":\"message_stop\"}\n\n", context.RequestAborted);
        });

        var response = await Proxy.CreateClient().PostAsync("/v1/messages", Body(Request(stream: true)), TestContext.Current.CancellationToken);

        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("event: content_block_delta\ndata: " + delta + "\n\n", body);
        // A nameless event is named by its JSON's type.
        Assert.EndsWith("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n", body);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_upstream_event_that_is_not_a_json_object_is_a_protocol_error(bool stream)
    {
        Upstream.Enqueue(async context =>
        {
            context.Response.ContentType = "text/event-stream";
            var start = AnthropicStreams.MessageStart("msg_bad", "claude-sonnet-4-6").ToJsonString();
            await context.Response.WriteAsync($"event: message_start\ndata: {start}\n\nevent: content_block_delta\ndata: {{\"index\":0,\n\n", context.RequestAborted);
        });

        var response = await Proxy.CreateClient().PostAsync("/v1/messages", Body(Request(stream)), TestContext.Current.CancellationToken);

        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        if (stream)
        {
            var events = SseEvents.Parse(body);
            Assert.Equal("error", events[^1].Event);
            Assert.Contains("has no JSON object", events[^1].Data["error"]!["message"]!.GetValue<string>());
        }
        else
        {
            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
            Assert.Contains("has no JSON object", body);
        }
    }

    [Fact]
    public async Task Broken_upstream_connection_mid_stream_ends_with_an_error_event()
    {
        Upstream.Enqueue(context => Replies.Sse(context, AnthropicStreams.Text("abc"), failAfter: 3));
        var client = Proxy.CreateClient();

        var response = await client.PostAsync("/v1/messages", Body(Request(stream: true)), TestContext.Current.CancellationToken);

        var received = SseEvents.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("message_start", received[0].Event);
        Assert.Equal("error", received[^1].Event);
        Assert.Equal("api_error", received[^1].Data["error"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Unreachable_upstream_is_a_502_api_error()
    {
        await using var proxy = new ProxyFactory(new Dictionary<string, string?> { ["Backend:Kind"] = "AnthropicApi", ["Backend:BaseUrl"] = "http://127.0.0.1:9" });
        var response = await proxy.CreateClient().PostAsync("/v1/messages", Body(Request()), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        Assert.Equal("api_error", error["error"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Anthropic_headers_and_query_go_upstream_with_the_configured_key()
    {
        await using var proxy = ProxyFactory.ForUpstream(Upstream, ("Backend:ApiKey", "sk-upstream-secret"));
        var client = proxy.CreateClient();
        var message = new HttpRequestMessage(HttpMethod.Post, "/v1/messages?beta=true") { Content = Body(Request()) };
        message.Headers.Add("anthropic-version", "2023-06-01");
        message.Headers.Add("anthropic-beta", "interleaved-thinking-2025-05-14");
        message.Headers.Add("x-api-key", "client-key");

        await client.SendAsync(message, TestContext.Current.CancellationToken);

        var sent = Upstream.Requests.Single();
        Assert.Equal("/v1/messages?beta=true", sent.PathAndQuery);
        Assert.Equal("sk-upstream-secret", sent.Headers["x-api-key"]);
        Assert.Equal("2023-06-01", sent.Headers["anthropic-version"]);
        Assert.Equal("interleaved-thinking-2025-05-14", sent.Headers["anthropic-beta"]);
    }

    [Fact]
    public async Task Without_a_backend_key_the_clients_credentials_are_forwarded()
    {
        var client = Proxy.CreateClient();
        var message = new HttpRequestMessage(HttpMethod.Post, "/v1/messages") { Content = Body(Request()) };
        message.Headers.Add("x-api-key", "client-own-key");

        await client.SendAsync(message, TestContext.Current.CancellationToken);

        Assert.Equal("client-own-key", Upstream.Requests.Single().Headers["x-api-key"]);
        Assert.Equal("2023-06-01", Upstream.Requests.Single().Headers["anthropic-version"]);
    }

    [Fact]
    public async Task Messages_alias_route_works_like_v1_messages()
    {
        var response = await Proxy.CreateClient().PostAsync("/messages", Body(Request(false)), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(Upstream.Requests);
    }

    [Fact]
    public async Task Count_tokens_is_forwarded_to_the_upstream()
    {
        Upstream.Enqueue(Replies.Json(200, new JsonObject { ["input_tokens"] = 42 }));
        var response = await Proxy.CreateClient().PostAsync("/v1/messages/count_tokens", Body(Request()), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(42, (await response.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken))!["input_tokens"]!.GetValue<int>());
        Assert.Equal("/v1/messages/count_tokens", Upstream.Requests.Single().PathAndQuery);
    }

    [Fact]
    public async Task Every_response_carries_a_request_id_that_telemetry_knows()
    {
        var client = Proxy.CreateClient();
        var response = await client.PostAsync("/v1/messages", Body(Request(false)), TestContext.Current.CancellationToken);
        var id = response.Headers.GetValues("x-relay-request-id").Single();

        var health = await client.GetAsync("/health", TestContext.Current.CancellationToken);
        Assert.True(health.Headers.Contains("x-relay-request-id"));
        var records = JsonNode.Parse(await client.GetStringAsync("/telemetry/requests?limit=10", TestContext.Current.CancellationToken))!.AsArray();
        var record = Assert.Single(records);
        Assert.Equal(id, record!["requestId"]!.GetValue<string>());
        Assert.Equal(200, record["status"]!.GetValue<int>());
        Assert.Equal("claude-sonnet-4-6", record["model"]!.GetValue<string>());
        Assert.Equal(32, record["traceId"]!.GetValue<string>().Length);
        Assert.False(record["stream"]!.GetValue<bool>());
        Assert.Equal("client", record["streamReason"]!.GetValue<string>());
    }
}

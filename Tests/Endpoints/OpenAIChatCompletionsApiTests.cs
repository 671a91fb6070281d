using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AgentRelay.Tests.Infrastructure;
using AgentRelay.Tests.Responses;

namespace AgentRelay.Tests.Endpoints;

/// <summary><c>POST /v1/chat/completions</c> through the in-process proxy over the fake Anthropic API.</summary>
public sealed class OpenAIChatCompletionsApiTests : ProxyOverFakeUpstream
{
    protected override (string Key, string? Value)[] Settings => [("Retry:BaseDelay", "00:00:00.02"), ("Retry:MaxDelay", "00:00:01"), ("Proxy:MaxRequestBodyBytes", "4096")];

    private static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");

    private const string Hi = """{"model":"claude-haiku-4-5-20251001","messages":[{"role":"user","content":"Hi"}]}""";

    private async Task<HttpResponseMessage> PostAsync(string json) =>
        await Proxy.CreateClient().PostAsync("/v1/chat/completions", Body(json), TestContext.Current.CancellationToken);

    private static async Task<JsonNode> JsonOf(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;

    [Fact]
    public async Task Non_stream_request_gets_a_chat_completion_and_the_upstream_a_messages_body()
    {
        Upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("Hello!")));

        var response = await PostAsync("""{"model":"claude-haiku-4-5-20251001","messages":[{"role":"system","content":"S"},{"role":"user","content":"Hi"}]}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.Contains("x-relay-adapter"));
        Assert.True(response.Headers.Contains("x-relay-request-id"));
        var completion = await JsonOf(response);
        Assert.Equal("chat.completion", completion["object"]!.GetValue<string>());
        Assert.Equal("claude-haiku-4-5-20251001", completion["model"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"role":"assistant","content":"Hello!"}"""), completion["choices"]![0]!["message"]));
        Assert.Equal("stop", completion["choices"]![0]!["finish_reason"]!.GetValue<string>());
        Assert.Equal(7, completion["usage"]!["completion_tokens"]!.GetValue<int>());
        var sent = Upstream.Requests.Single();
        Assert.StartsWith("/v1/messages", sent.PathAndQuery, StringComparison.Ordinal);
        Assert.Contains("S", sent.Body!["system"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(4096, sent.Body!["max_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task Stream_request_gets_openai_chunks_ending_in_done()
    {
        Upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("Streamed answer here", chunks: 3)));

        var response = await PostAsync("""{"model":"claude-sonnet-4-6","stream":true,"messages":[{"role":"user","content":"Hi"}]}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var lines = OpenAISinkTests.DataLines(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("[DONE]", lines[^1].GetValue<string>());
        var chunks = lines[..^1];
        Assert.Single(chunks.Select(c => c["id"]!.GetValue<string>()).Distinct());
        Assert.Equal("Streamed answer here", string.Concat(chunks.Select(c => c["choices"]![0]!["delta"]!["content"]?.GetValue<string>())));
        Assert.Equal("stop", chunks[^1]["choices"]![0]!["finish_reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Tool_call_round_trip_keeps_the_function_name_and_arguments()
    {
        Upstream.Enqueue(Replies.SseReply(AnthropicStreams.ToolUse("toolu_42", "read_file", """{"path":"/etc/hosts"}""")));
        Upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("It has localhost.")));

        var first = await JsonOf(await PostAsync("""
            {"messages":[{"role":"user","content":"read /etc/hosts"}],
             "tools":[{"type":"function","function":{"name":"read_file","parameters":{"type":"object","properties":{"path":{"type":"string"}}}}}]}
            """));
        var choice = first["choices"]![0]!;
        Assert.Equal("tool_calls", choice["finish_reason"]!.GetValue<string>());
        var call = choice["message"]!["tool_calls"]![0]!;
        Assert.Equal("read_file", call["function"]!["name"]!.GetValue<string>());
        Assert.Equal("/etc/hosts", JsonNode.Parse(call["function"]!["arguments"]!.GetValue<string>())!["path"]!.GetValue<string>());
        Assert.Equal("read_file", Upstream.Requests.First().Body!["tools"]![0]!["name"]!.GetValue<string>());

        // The client sends the call and its result back.
        var followUp = new JsonObject
        {
            ["messages"] = new JsonArray(
                new JsonObject { ["role"] = "user", ["content"] = "read /etc/hosts" },
                new JsonObject { ["role"] = "assistant", ["content"] = null, ["tool_calls"] = new JsonArray(call.DeepClone()) },
                new JsonObject { ["role"] = "tool", ["tool_call_id"] = call["id"]!.GetValue<string>(), ["content"] = "127.0.0.1 localhost" }),
        };
        var second = await JsonOf(await PostAsync(followUp.ToJsonString()));

        Assert.Equal("It has localhost.", second["choices"]![0]!["message"]!["content"]!.GetValue<string>());
        var sent = Upstream.Requests.Last().Body!["messages"]!.AsArray();
        Assert.Equal("tool_use", sent[1]!["content"]![0]!["type"]!.GetValue<string>());
        Assert.Equal("toolu_42", sent[1]!["content"]![0]!["id"]!.GetValue<string>());
        Assert.Equal("/etc/hosts", sent[1]!["content"]![0]!["input"]!["path"]!.GetValue<string>());
        Assert.Equal("tool_result", sent[2]!["content"]![0]!["type"]!.GetValue<string>());
        Assert.Equal("toolu_42", sent[2]!["content"]![0]!["tool_use_id"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("{not json", 400, "not valid JSON")]
    [InlineData("[1]", 400, "JSON object")]
    [InlineData("{}", 400, "messages")]
    [InlineData("""{"stream":true,"messages":[]}""", 400, "at least one")]
    [InlineData("""{"messages":[{"role":"wizard","content":"hi"}]}""", 400, "role")]
    [InlineData("""{"model":5,"messages":[{"role":"user","content":"hi"}]}""", 400, "model")]
    public async Task Invalid_requests_get_openai_shaped_errors_and_reach_no_upstream(string json, int status, string messagePart)
    {
        var response = await PostAsync(json);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await JsonOf(response);
        Assert.Null(body["type"]);
        Assert.Equal("invalid_request_error", body["error"]!["type"]!.GetValue<string>());
        Assert.Contains(messagePart, body["error"]!["message"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
        Assert.True(body["error"]!.AsObject().ContainsKey("code"));
        Assert.Empty(Upstream.Requests);
    }

    [Fact]
    public async Task Too_large_body_is_a_413_in_openai_shape()
    {
        var response = await PostAsync($$"""{"messages":[{"role":"user","content":"{{new string('x', 5000)}}"}]}""");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var body = await JsonOf(response);
        Assert.Null(body["type"]);
        Assert.Equal("invalid_request_error", body["error"]!["type"]!.GetValue<string>());
        Assert.Equal("request_too_large", body["error"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Wrong_method_is_a_405_in_openai_shape()
    {
        var response = await Proxy.CreateClient().GetAsync("/v1/chat/completions", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        var body = await JsonOf(response);
        Assert.Null(body["type"]);
        Assert.Equal("invalid_request_error", body["error"]!["type"]!.GetValue<string>());
        Assert.True(body["error"]!.AsObject().ContainsKey("code"));
    }

    [Fact]
    public async Task Upstream_429_is_retried_then_answered()
    {
        Upstream.Enqueue(Replies.Error(429, "rate_limit_error", "slow down", retryAfter: "0"));
        Upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("after retry")));

        var response = await PostAsync(Hi);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("after retry", (await JsonOf(response))["choices"]![0]!["message"]!["content"]!.GetValue<string>());
        Assert.Equal(2, Upstream.Requests.Count);
    }

    [Fact]
    public async Task Upstream_error_that_is_not_retried_keeps_its_status_in_openai_shape()
    {
        Upstream.Enqueue(Replies.Error(400, "invalid_request_error", "prompt is too long"));

        var response = await PostAsync("""{"stream":true,"messages":[{"role":"user","content":"Hi"}]}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await JsonOf(response))["error"]!;
        Assert.Equal("invalid_request_error", error["type"]!.GetValue<string>());
        Assert.Equal("prompt is too long", error["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Telemetry_records_the_chat_completions_path()
    {
        var client = Proxy.CreateClient();
        var response = await PostAsync(Hi);
        var requestId = response.Headers.GetValues("x-relay-request-id").Single();

        var record = await Eventually.GetAsync<JsonNode?>(
            async () => JsonNode.Parse(await client.GetStringAsync("/telemetry/requests?limit=10", TestContext.Current.CancellationToken))!.AsArray()
                .FirstOrDefault(r => r!.ToJsonString().Contains(requestId, StringComparison.Ordinal)),
            r => r is not null);

        Assert.Equal("/v1/chat/completions", record!["path"]!.GetValue<string>());
        Assert.Equal(200, record["status"]!.GetValue<int>());
    }
}

/// <summary>With <c>Proxy:ApiKey</c> set, the chat route refuses a missing key in OpenAI's shape.</summary>
public sealed class OpenAIChatCompletionsAuthTests : ProxyOverFakeUpstream
{
    protected override (string Key, string? Value)[] Settings => [("Proxy:ApiKey", "relay-key")];

    [Fact]
    public async Task Missing_key_is_a_401_in_openai_shape_while_the_bearer_key_is_accepted()
    {
        var client = Proxy.CreateClient();
        var content = new StringContent("""{"messages":[{"role":"user","content":"Hi"}]}""", Encoding.UTF8, "application/json");

        var refused = await client.PostAsync("/v1/chat/completions", content, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        var body = JsonNode.Parse(await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        Assert.Null(body["type"]);
        Assert.Equal("authentication_error", body["error"]!["type"]!.GetValue<string>());
        Assert.True(refused.Headers.Contains("x-relay-adapter"));

        // The Anthropic route keeps its own shape.
        var anthropic = await client.PostAsync("/v1/messages", new StringContent("{}", Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        Assert.Equal("error", JsonNode.Parse(await anthropic.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!["type"]!.GetValue<string>());

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent("""{"messages":[{"role":"user","content":"Hi"}]}""", Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new("Bearer", "relay-key");
        var accepted = await client.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }
}

/// <summary>The concurrency gate's refusal, written through the OpenAI sink.</summary>
public sealed class OpenAIChatCompletionsQueueTests : ProxyOverFakeUpstream
{
    protected override (string Key, string? Value)[] Settings => [("Proxy:MaxConcurrentSessions", "1"), ("Proxy:MaxQueueLength", "0")];

    private static HttpRequestMessage Stream() => new(HttpMethod.Post, "/v1/chat/completions")
    {
        Content = new StringContent("""{"stream":true,"messages":[{"role":"user","content":"Hi"}]}""", Encoding.UTF8, "application/json"),
    };

    [Fact]
    public async Task A_full_waiting_room_gets_529_in_openai_shape_with_retry_after()
    {
        Upstream.DefaultReply = Replies.SseReply(AnthropicStreams.Text("slow", chunks: 4), TimeSpan.FromMilliseconds(200));
        var client = Proxy.CreateClient();
        var first = client.SendAsync(Stream(), HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        while (Upstream.Requests.IsEmpty)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        var refused = await client.SendAsync(Stream(), TestContext.Current.CancellationToken);

        Assert.Equal((HttpStatusCode)529, refused.StatusCode);
        Assert.Equal("application/json", refused.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(refused.Headers.RetryAfter);
        var error = JsonNode.Parse(await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        Assert.Null(error["type"]);
        Assert.Equal("server_error", error["error"]!["type"]!.GetValue<string>());
        Assert.Equal("overloaded_error", error["error"]!["code"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await first).StatusCode);
    }
}

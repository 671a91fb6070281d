using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Tests.Backends;

/// <summary>The retry policy against the fake upstream over real HTTP, streamed and not.</summary>
public sealed class RetryIntegrationTests : ProxyOverFakeUpstream
{
    protected override (string Key, string? Value)[] Settings => [("Retry:BaseDelay", "00:00:00.02"), ("Retry:MaxDelay", "00:00:02")];

    private async Task<HttpResponseMessage> SendAsync(bool stream) =>
        await Proxy.CreateClient().PostAsync("/v1/messages", new StringContent(
            $$"""{"stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

    private async Task<JsonNode> LastRecordAsync() =>
        JsonNode.Parse(await Proxy.CreateClient().GetStringAsync("/telemetry/requests?limit=1", TestContext.Current.CancellationToken))![0]!;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Rate_limited_twice_then_ok_reaches_the_client_as_a_clean_answer(bool stream)
    {
        Upstream.Enqueue(Replies.Error(429, "rate_limit_error", "slow down"));
        Upstream.Enqueue(Replies.Error(529, "overloaded_error", "Overloaded"));
        Upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("after retries")));

        var response = await SendAsync(stream);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("after retries", stream ? SseEvents.Text(SseEvents.Parse(body)) : body);
        Assert.DoesNotContain("rate_limit_error", body);
        Assert.Equal(3, Upstream.Requests.Count);
        var attempts = (await LastRecordAsync())["attempts"]!.AsArray();
        Assert.Equal(["rate_limited:retry", "overloaded:retry", "ok:done"], attempts.Select(a => $"{a!["outcome"]}:{a["decision"]}"));
        // 20 ms base delay plus up to 20 % jitter.
        Assert.InRange(attempts[0]!["delayMs"]!.GetValue<double>(), 20, 24);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Rate_limited_forever_is_four_attempts_then_a_429_json_error(bool stream)
    {
        for (var i = 0; i < 6; i++)
        {
            Upstream.Enqueue(Replies.Error(429, "rate_limit_error", "still limited", retryAfter: "0"));
        }

        var response = await SendAsync(stream);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("0", response.Headers.RetryAfter?.ToString());
        Assert.Equal(4, Upstream.Requests.Count);
        var record = await LastRecordAsync();
        Assert.Equal("give_up", record["attempts"]![3]!["decision"]!.GetValue<string>());
        Assert.Equal("rate_limit_error", record["errorType"]!.GetValue<string>());
    }

    [Fact]
    public async Task Upstream_retry_after_sets_the_delay()
    {
        Upstream.Enqueue(Replies.Error(429, "rate_limit_error", "wait", retryAfter: "1"));
        Upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("ok")));

        var started = DateTime.UtcNow;
        var response = await SendAsync(stream: false);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromSeconds(0.9));
        Assert.Equal(1000, (await LastRecordAsync())["attempts"]![0]!["delayMs"]!.GetValue<double>());
    }

    [Fact]
    public async Task Partial_stream_then_error_is_one_attempt_with_the_partial_content_and_an_error_event()
    {
        var events = AnthropicStreams.Text("partial content");
        events.RemoveRange(4, events.Count - 4);
        events.Add(new JsonObject { ["type"] = "error", ["error"] = new JsonObject { ["type"] = "rate_limit_error", ["message"] = "limited mid-stream" } });
        Upstream.Enqueue(Replies.SseReply(events));
        Upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("a replay the client must never see")));

        var response = await SendAsync(stream: true);

        var received = SseEvents.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Single(Upstream.Requests);
        Assert.Equal("partial ", SseEvents.Text(received));
        Assert.Equal(["message_delta", "message_stop", "error"], received.TakeLast(3).Select(e => e.Event));
        Assert.Equal("rate_limit_error", received[^1].Data["error"]!["type"]!.GetValue<string>());
        var record = await LastRecordAsync();
        Assert.Equal("give_up_committed", record["attempts"]![0]!["decision"]!.GetValue<string>());
        Assert.True(record["committed"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Partial_content_then_error_in_a_json_request_is_retried_because_nothing_was_committed()
    {
        var events = AnthropicStreams.Text("partial content");
        events.RemoveRange(4, events.Count - 4);
        events.Add(new JsonObject { ["type"] = "error", ["error"] = new JsonObject { ["type"] = "overloaded_error", ["message"] = "Overloaded" } });
        Upstream.Enqueue(Replies.SseReply(events));
        Upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("the whole answer")));

        var response = await SendAsync(stream: false);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var message = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        // One text block with the retried answer only: the discarded attempt left nothing behind.
        Assert.Equal("the whole answer", Assert.Single(message["content"]!.AsArray())!["text"]!.GetValue<string>());
        Assert.Equal(2, Upstream.Requests.Count);
    }

    [Fact]
    public async Task Authentication_errors_are_never_retried()
    {
        Upstream.Enqueue(Replies.Error(401, "authentication_error", "invalid x-api-key"));

        var response = await SendAsync(stream: true);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Single(Upstream.Requests);
    }
}

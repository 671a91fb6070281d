using System.Text.Json.Nodes;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Tests.EndToEnd;

/// <summary>
/// The official npm <c>@anthropic-ai/sdk</c>, in its own Node process, talking over real HTTP to the real ProxyService
/// process, which forwards to the fake Anthropic API.
/// </summary>
public sealed class AnthropicSdkTests : ProxyProcessOverFakeUpstream
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Proxy:ApiKey"] = "relay-key",
        ["Retry:BaseDelay"] = "00:00:00.05",
    };

    private Task<JsonObject> RunSdkAsync(bool stream, string apiKey = "relay-key") =>
        NodeClient.AnthropicMessagesAsync(Proxy.BaseUrl, stream, new JsonObject
        {
            ["model"] = "claude-sonnet-4-6",
            ["max_tokens"] = 256,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "say hi" }),
        }, apiKey);

    private static string Text(JsonObject answer) =>
        string.Concat(answer["message"]!["content"]!.AsArray().Where(b => b!["type"]!.GetValue<string>() == "text").Select(b => b!["text"]!.GetValue<string>()));

    [Fact]
    public async Task Sdk_streams_the_upstream_reply_through_the_proxy()
    {
        Upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("Streamed through AgentRelay.", id: "msg_sdk_stream", chunks: 5), TimeSpan.FromMilliseconds(20)));

        var answer = await RunSdkAsync(stream: true);

        Assert.Null(answer["error"]);
        Assert.Equal("Streamed through AgentRelay.", Text(answer));
        Assert.Equal("msg_sdk_stream", answer["message"]!["id"]!.GetValue<string>());
        Assert.Equal("end_turn", answer["message"]!["stop_reason"]!.GetValue<string>());
        var events = answer["events"]!.AsArray().Select(e => e!.GetValue<string>()).ToList();
        Assert.Equal("message_start", events[0]);
        Assert.Equal("message_stop", events[^1]);
        Assert.Equal(5, events.Count(e => e == "content_block_delta"));
    }

    [Fact]
    public async Task Sdk_gets_a_non_streamed_message()
    {
        Upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("Plain JSON answer.", id: "msg_sdk_json")));

        var answer = await RunSdkAsync(stream: false);

        Assert.Null(answer["error"]);
        Assert.Equal("Plain JSON answer.", Text(answer));
        Assert.Equal("msg_sdk_json", answer["message"]!["id"]!.GetValue<string>());
        Assert.Equal(7, answer["message"]!["usage"]!["output_tokens"]!.GetValue<int>());
        // The SDK authenticated to the proxy; that key is the proxy's and never goes upstream.
        var sent = Upstream.Requests.Single();
        Assert.False(sent.Headers.ContainsKey("authorization"));
        Assert.False(sent.Headers.ContainsKey("x-api-key"));
    }

    [Fact]
    public async Task Sdk_sees_an_upstream_error_as_the_anthropic_error_it_was()
    {
        Upstream.Enqueue(Replies.Error(403, "permission_error", "Your key may not use this model."));

        var answer = await RunSdkAsync(stream: false);

        Assert.Equal(403, answer["error"]!["status"]!.GetValue<int>());
        Assert.Equal("permission_error", answer["error"]!["type"]!.GetValue<string>());
        Assert.Single(Upstream.Requests);
    }

    [Fact]
    public async Task Sdk_never_notices_rate_limits_the_proxy_retried_away()
    {
        Upstream.Enqueue(Replies.Error(429, "rate_limit_error", "slow down"));
        Upstream.Enqueue(Replies.Error(529, "overloaded_error", "Overloaded"));
        Upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("Third time lucky.")));

        var answer = await RunSdkAsync(stream: true);

        Assert.Null(answer["error"]);
        Assert.Equal("Third time lucky.", Text(answer));
        Assert.Equal(3, Upstream.Requests.Count);
    }

    [Fact]
    public async Task Sdk_with_a_wrong_key_gets_401_authentication_error()
    {
        var answer = await RunSdkAsync(stream: true, apiKey: "wrong-key");

        Assert.Equal(401, answer["error"]!["status"]!.GetValue<int>());
        Assert.Equal("authentication_error", answer["error"]!["type"]!.GetValue<string>());
        Assert.Empty(Upstream.Requests);
    }
}

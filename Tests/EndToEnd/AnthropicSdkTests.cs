using System.Text.Json.Nodes;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Tests.EndToEnd;

/// <summary>
/// The official npm <c>@anthropic-ai/sdk</c>, in its own Node process, talking over real HTTP to the real ProxyService
/// process, which forwards to the fake Anthropic API.
/// </summary>
public sealed class AnthropicSdkTests : IAsyncLifetime
{
    private FakeAnthropicServer _upstream = null!;
    private ProxyProcess _proxy = null!;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeAnthropicServer.StartAsync();
        _proxy = await ProxyProcess.StartAsync(new Dictionary<string, string>
        {
            ["Backend:Kind"] = "AnthropicApi",
            ["Backend:BaseUrl"] = _upstream.BaseUrl,
            ["Proxy:ApiKey"] = "relay-key",
            ["Retry:BaseDelay"] = "00:00:00.05",
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private Task<JsonObject> RunSdkAsync(string mode, string apiKey = "relay-key") =>
        NodeClient.RunAsync("anthropic-sdk.mjs", new Dictionary<string, string>
        {
            ["RELAY_BASE_URL"] = _proxy.BaseUrl,
            ["RELAY_MODE"] = mode,
            ["RELAY_API_KEY"] = apiKey,
        });

    [Fact]
    public async Task Sdk_streams_the_upstream_reply_through_the_proxy()
    {
        _upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("Streamed through AgentRelay.", id: "msg_sdk_stream", chunks: 5), TimeSpan.FromMilliseconds(20)));

        var result = await RunSdkAsync("stream");

        Assert.True(result["ok"]!.GetValue<bool>(), result.ToJsonString());
        Assert.Equal("Streamed through AgentRelay.", result["text"]!.GetValue<string>());
        Assert.Equal("msg_sdk_stream", result["id"]!.GetValue<string>());
        Assert.Equal("end_turn", result["stop_reason"]!.GetValue<string>());
        var events = result["events"]!.AsArray().Select(e => e!.GetValue<string>()).ToList();
        Assert.Equal("message_start", events[0]);
        Assert.Equal("message_stop", events[^1]);
        Assert.Equal(5, events.Count(e => e == "content_block_delta"));
    }

    [Fact]
    public async Task Sdk_gets_a_non_streamed_message()
    {
        _upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("Plain JSON answer.", id: "msg_sdk_json")));

        var result = await RunSdkAsync("json");

        Assert.True(result["ok"]!.GetValue<bool>(), result.ToJsonString());
        Assert.Equal("Plain JSON answer.", result["text"]!.GetValue<string>());
        Assert.Equal("msg_sdk_json", result["id"]!.GetValue<string>());
        Assert.Equal(7, result["usage"]!["output_tokens"]!.GetValue<int>());
        // The SDK authenticated to the proxy with its bearer token; that key is the proxy's and never goes upstream.
        var sent = _upstream.Requests.Single();
        Assert.False(sent.Headers.ContainsKey("authorization"));
        Assert.False(sent.Headers.ContainsKey("x-api-key"));
    }

    [Fact]
    public async Task Sdk_sees_an_upstream_error_as_the_anthropic_error_it_was()
    {
        _upstream.Enqueue(Replies.Error(403, "permission_error", "Your key may not use this model."));

        var result = await RunSdkAsync("json");

        Assert.False(result["ok"]!.GetValue<bool>());
        Assert.Equal(403, result["status"]!.GetValue<int>());
        Assert.Equal("permission_error", result["type"]!.GetValue<string>());
        Assert.Single(_upstream.Requests);
    }

    [Fact]
    public async Task Sdk_never_notices_rate_limits_the_proxy_retried_away()
    {
        _upstream.Enqueue(Replies.Error(429, "rate_limit_error", "slow down"));
        _upstream.Enqueue(Replies.Error(529, "overloaded_error", "Overloaded"));
        _upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("Third time lucky.")));

        var result = await RunSdkAsync("stream");

        Assert.True(result["ok"]!.GetValue<bool>(), result.ToJsonString());
        Assert.Equal("Third time lucky.", result["text"]!.GetValue<string>());
        Assert.Equal(3, _upstream.Requests.Count);
    }

    [Fact]
    public async Task Sdk_with_a_wrong_key_gets_401_authentication_error()
    {
        var result = await RunSdkAsync("stream", apiKey: "wrong-key");

        Assert.False(result["ok"]!.GetValue<bool>());
        Assert.Equal(401, result["status"]!.GetValue<int>());
        Assert.Equal("authentication_error", result["type"]!.GetValue<string>());
        Assert.Empty(_upstream.Requests);
    }
}

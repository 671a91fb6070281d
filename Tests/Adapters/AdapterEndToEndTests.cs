using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Adapters;
using AgentRelay.ProxyService.Core;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Tests.Adapters;

/// <summary>
/// Each adapter through real HTTP, with the headers the real clients send (CLIENTS.md §1): the response names the
/// adapter and the telemetry record shows every decision.
/// </summary>
public sealed class AdapterEndToEndTests : IAsyncLifetime
{
    private const string Tools = """ "tools":[{"name":"get_weather","description":"Weather for a city","input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}],""";

    private KestrelProxy _proxy = null!;

    public async ValueTask InitializeAsync() => _proxy = await KestrelProxy.StartAsync();

    public async ValueTask DisposeAsync() => await _proxy.DisposeAsync();

    public static TheoryData<string, string, bool?, string, string, string, bool> RealClients => new()
    {
        // client headers ("name=value|…"), path, stream, adapter, adapterReason, sessionKey, stream sent
        {
            "user-agent=opencode/1.18.33 ai-sdk/provider-utils/4.0.46 runtime/bun/1.3.14|x-session-affinity=ses_4f2a|x-session-id=ses_4f2a|x-api-key=sk-test|anthropic-version=2023-06-01|anthropic-beta=structured-outputs-2025-11-13",
            "/v1/messages", true, "opencode", "header:x-session-affinity", "header:x-session-affinity", true
        },
        {
            "user-agent=claude-cli/2.1.330 (external, sdk-cli)|x-claude-code-session-id=6c1d7e0a-3b9f-4c55-9d1e-2f6a8b7c9d10|x-app=cli|x-api-key=sk-test|anthropic-version=2023-06-01|anthropic-beta=claude-code-20250219,interleaved-thinking-2025-05-14|anthropic-dangerous-direct-browser-access=true",
            "/v1/messages?beta=true", true, "claude-code", "user-agent:claude-cli/2.1.330 (external, sdk-cli)", "header:x-claude-code-session-id", true
        },
        {
            "user-agent=factory-cli/0.215.0|x-api-key=sk-test|anthropic-version=2023-06-01|anthropic-beta=interleaved-thinking-2025-05-14",
            "/v1/messages", false, "droid", "user-agent:factory-cli/0.215.0", "fingerprint", false
        },
        {
            "user-agent=Anthropic/JS 0.91.1|x-relay-agent=pi|x-api-key=sk-test|anthropic-version=2023-06-01|anthropic-beta=interleaved-thinking-2025-05-14|anthropic-dangerous-direct-browser-access=true",
            "/v1/messages", true, "pi", "override:pi", "fingerprint", true
        },
        {
            "user-agent=Charm-Crush/v0.96.1|authorization=Bearer sk-test|anthropic-version=2023-06-01",
            "/v1/messages", null, "crush", "user-agent:Charm-Crush/v0.96.1", "fingerprint", false
        },
        {
            "user-agent=Anthropic/JS 1.12.0|x-relay-agent=forgecode|authorization=Bearer sk-test|anthropic-version=2026-10-21",
            "/v1/messages", false, "forgecode", "override:forgecode", "fingerprint", false
        },
        {
            "user-agent=litellm/1.52.0|x-litellm-session-id=litellm-session-1|x-api-key=sk-test|anthropic-version=2023-06-01",
            "/v1/messages", true, "litellm", "user-agent:litellm/1.52.0", "header:x-litellm-session-id", true
        },
        {
            "user-agent=Anthropic/JS 1.12.0|authorization=Bearer sk-test|anthropic-version=2026-10-21|x-relay-source=subagent-7",
            "/v1/messages", false, "opencode", "default", "none", false
        },
    };

    [Theory]
    [MemberData(nameof(RealClients))]
    public async Task Real_client_headers_select_the_adapter_and_every_decision_is_recorded(
        string headers, string path, bool? stream, string adapter, string reason, string sessionKey, bool streamed)
    {
        var response = await SendAsync(path, headers, Body(stream));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(adapter, response.Headers.GetValues("x-relay-adapter").Single());
        Assert.Equal(streamed ? "text/event-stream" : "application/json", response.Content.Headers.ContentType?.MediaType);
        var record = await _proxy.RecordAsync(response);
        Assert.Equal(adapter, record["adapter"]!.GetValue<string>());
        Assert.Equal(reason, record["adapterReason"]!.GetValue<string>());
        Assert.Equal(streamed, record["stream"]!.GetValue<bool>());
        Assert.Equal("client", record["streamReason"]!.GetValue<string>());
        Assert.Equal(sessionKey, record["sessionKey"]!.GetValue<string>());
        Assert.DoesNotContain("ses_4f2a", record.ToJsonString());
        Assert.DoesNotContain("sk-test", record.ToJsonString());
    }

    [Fact]
    public async Task LiteLlm_request_round_trips_with_its_own_tool_names()
    {
        _proxy.Upstream.Enqueue(Replies.SseReply(AnthropicStreams.ToolUse("toolu_w1", "get_weather", """{"city":"Paris"}""")));

        var response = await SendAsync("/v1/messages", "user-agent=litellm/1.52.0|x-litellm-session-id=L-42|x-api-key=sk-test", Body(false, Tools));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("litellm", response.Headers.GetValues("x-relay-adapter").Single());
        var message = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        var block = message["content"]![0]!;
        Assert.Equal(("tool_use", "get_weather", "Paris"), (block["type"]!.GetValue<string>(), block["name"]!.GetValue<string>(), block["input"]!["city"]!.GetValue<string>()));
        Assert.Equal("tool_use", message["stop_reason"]!.GetValue<string>());
        Assert.Equal("get_weather", _proxy.Upstream.Requests.Single().Body!["tools"]![0]!["name"]!.GetValue<string>());
        var record = await _proxy.RecordAsync(response);
        Assert.Equal(("litellm", "user-agent:litellm/1.52.0", "header:x-litellm-session-id"),
            (record["adapter"]!.GetValue<string>(), record["adapterReason"]!.GetValue<string>(), record["sessionKey"]!.GetValue<string>()));
    }

    [Fact]
    public async Task LiteLlm_streaming_call_gets_sse_with_its_own_tool_names()
    {
        _proxy.Upstream.Enqueue(Replies.SseReply(AnthropicStreams.ToolUse("toolu_w2", "get_weather", """{"city":"Oslo"}""")));

        var response = await SendAsync("/v1/messages", "user-agent=python-httpx/0.27.0|x-litellm-api-key=sk-master|x-litellm-session-id=L-43", Body(true, Tools));

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = SseEvents.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var start = events.Single(e => e.Event == "content_block_start").Data;
        Assert.Equal("get_weather", start["content_block"]!["name"]!.GetValue<string>());
        var record = await _proxy.RecordAsync(response);
        Assert.Equal(("litellm", "header:x-litellm-api-key", true), (record["adapter"]!.GetValue<string>(), record["adapterReason"]!.GetValue<string>(), record["stream"]!.GetValue<bool>()));
        Assert.DoesNotContain("sk-master", record.ToJsonString());
    }

    [Fact]
    public async Task LiteLlm_health_check_with_only_its_user_agent_gets_json()
    {
        var response = await SendAsync("/v1/messages", "user-agent=litellm/1.52.0", """{"model":"claude-sonnet-4-6","max_tokens":1,"messages":[{"role":"user","content":"ping"}]}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("litellm", response.Headers.GetValues("x-relay-adapter").Single());
        var record = await _proxy.RecordAsync(response);
        Assert.Equal((false, "client"), (record["stream"]!.GetValue<bool>(), record["streamReason"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Refused_request_still_names_its_adapter()
    {
        var response = await SendAsync("/v1/messages", "user-agent=factory-cli/0.215.0", """{"model":"claude-sonnet-4-6","messages":[]}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("droid", response.Headers.GetValues("x-relay-adapter").Single());
        var record = await _proxy.RecordAsync(response);
        Assert.Equal(("droid", "user-agent:factory-cli/0.215.0"), (record["adapter"]!.GetValue<string>(), record["adapterReason"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Count_tokens_names_its_adapter()
    {
        _proxy.Upstream.Enqueue(Replies.Json(200, new JsonObject { ["input_tokens"] = 9 }));

        var response = await SendAsync("/v1/messages/count_tokens", "user-agent=claude-cli/2.1.330 (external, sdk-cli)", Body(null));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("claude-code", response.Headers.GetValues("x-relay-adapter").Single());
        Assert.Equal("claude-code", (await _proxy.RecordAsync(response))["adapter"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_plugged_in_adapter_can_override_the_clients_stream()
    {
        await using var proxy = await KestrelProxy.StartAsync(services => services.AddAgentAdapter<JsonOnlyAdapter>());

        var message = new HttpRequestMessage(HttpMethod.Post, "/v1/messages") { Content = new StringContent(Body(true), Encoding.UTF8, "application/json") };
        message.Headers.Add("x-relay-agent", "json-only");
        var response = await proxy.Client.SendAsync(message, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("json-only", response.Headers.GetValues("x-relay-adapter").Single());
        var record = await proxy.RecordAsync(response);
        Assert.Equal((false, "adapter:json-only", "override:json-only"),
            (record["stream"]!.GetValue<bool>(), record["streamReason"]!.GetValue<string>(), record["adapterReason"]!.GetValue<string>()));
    }

    private static string Body(bool? stream, string extra = "") =>
        $$"""{"model":"claude-sonnet-4-6","max_tokens":64,{{(stream is null ? "" : $"\"stream\":{stream.Value.ToString().ToLowerInvariant()},")}}{{extra}}"messages":[{"role":"user","content":"What is the weather in Paris?"}]}""";

    private async Task<HttpResponseMessage> SendAsync(string path, string headers, string body)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        foreach (var (name, value) in AdapterTestHost.Headers(headers))
        {
            message.Headers.TryAddWithoutValidation(name, value.ToString());
        }

        return await _proxy.Client.SendAsync(message, TestContext.Current.CancellationToken);
    }

    /// <summary>An adapter from outside the built-in set that always answers with JSON.</summary>
    private sealed class JsonOnlyAdapter : AgentAdapter
    {
        public override string Name => "json-only";

        public override bool PrefersStreaming(MessagesRequest request) => false;
    }
}

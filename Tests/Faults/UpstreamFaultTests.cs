using System.Net;
using System.Text;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Tests.Faults;

/// <summary>An HTTP upstream that breaks: the connection reset in the middle of a stream.</summary>
[Trait("Category", "Faults")]
public sealed class UpstreamFaultTests : ProxyProcessOverFakeUpstream
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static HttpRequestMessage Request(bool stream) => new(HttpMethod.Post, "/v1/messages")
    {
        Content = new StringContent($$"""{"stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
    };

    [Fact]
    public async Task An_upstream_socket_reset_mid_stream_ends_the_clients_stream_with_an_error_and_the_next_request_works()
    {
        Upstream.Enqueue(context => Replies.Sse(context, AnthropicStreams.Text("never finished", chunks: 6), failAfter: 3));
        using var client = new HttpClient { BaseAddress = new Uri(Proxy.BaseUrl), Timeout = TimeSpan.FromSeconds(30) };

        using var broken = await client.SendAsync(Request(stream: true), Cancel);
        var events = SseEvents.Parse(await broken.Content.ReadAsStringAsync(Cancel));

        // The status was already sent; the stream is closed properly and says what happened.
        Assert.Equal(HttpStatusCode.OK, broken.StatusCode);
        Assert.Equal("message_start", events[0].Event);
        Assert.Equal(["message_delta", "message_stop", "error"], events.TakeLast(3).Select(e => e.Event));
        Assert.Equal("api_error", events[^1].Data["error"]!["type"]!.GetValue<string>());

        using var next = await client.SendAsync(Request(stream: true), Cancel);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal("Hello from the fake upstream.", SseEvents.Text(SseEvents.Parse(await next.Content.ReadAsStringAsync(Cancel))));
        await FaultAssertions.AssertHealthyAsync(Proxy);
        await FaultAssertions.AssertNoChildProcessesAsync(Proxy);
    }

    [Fact]
    public async Task An_upstream_socket_reset_before_a_json_answer_is_complete_is_a_502_error()
    {
        Upstream.Enqueue(context => Replies.Sse(context, AnthropicStreams.Text("never finished", chunks: 6), failAfter: 3));
        using var client = new HttpClient { BaseAddress = new Uri(Proxy.BaseUrl), Timeout = TimeSpan.FromSeconds(30) };

        using var broken = await client.SendAsync(Request(stream: false), Cancel);
        var body = System.Text.Json.Nodes.JsonNode.Parse(await broken.Content.ReadAsStringAsync(Cancel))!;

        Assert.Equal(HttpStatusCode.BadGateway, broken.StatusCode);
        Assert.Equal("error", body["type"]!.GetValue<string>());
        await FaultAssertions.AssertHealthyAsync(Proxy);
    }
}

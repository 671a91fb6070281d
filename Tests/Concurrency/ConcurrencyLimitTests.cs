using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Tests.Concurrency;

/// <summary>The limit as a client sees it, over real sockets, on one replica without Redis.</summary>
public sealed class ConcurrencyLimitTests
{
    private static HttpRequestMessage Stream() => new(HttpMethod.Post, "/v1/messages")
    {
        Content = new StringContent("""{"stream":true,"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
    };

    [Fact]
    public async Task A_slot_is_held_until_the_stream_is_completely_written()
    {
        await using var upstream = await FakeAnthropicServer.StartAsync();
        upstream.DefaultReply = Replies.SseReply(AnthropicStreams.Text("slow stream", chunks: 10), TimeSpan.FromMilliseconds(60));
        await using var proxy = ProxyFactory.ForUpstream(upstream, ("Proxy:MaxConcurrentSessions", "1"));
        var client = proxy.CreateClient();

        var responses = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => client.SendAsync(Stream(), TestContext.Current.CancellationToken)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(1, upstream.MaxConcurrent);
        var records = JsonNode.Parse(await client.GetStringAsync("/telemetry/requests", TestContext.Current.CancellationToken))!.AsArray();
        // Two of the three waited for a whole stream (~0.8 s) each.
        Assert.Equal(2, records.Count(r => r!["queueWaitMs"]!.GetValue<double>() > 400));
    }

    [Fact]
    public async Task A_full_waiting_room_gets_529_overloaded_with_retry_after_even_when_streaming()
    {
        await using var upstream = await FakeAnthropicServer.StartAsync();
        upstream.DefaultReply = Replies.SseReply(AnthropicStreams.Text("slow", chunks: 4), TimeSpan.FromMilliseconds(300));
        await using var proxy = ProxyFactory.ForUpstream(upstream, ("Proxy:MaxConcurrentSessions", "1"), ("Proxy:MaxQueueLength", "0"));
        var client = proxy.CreateClient();
        var first = client.SendAsync(Stream(), HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        while (upstream.Requests.IsEmpty)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        var refused = await client.SendAsync(Stream(), TestContext.Current.CancellationToken);

        Assert.Equal((HttpStatusCode)529, refused.StatusCode);
        Assert.Equal("application/json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(5), refused.Headers.RetryAfter?.Delta);
        var error = JsonNode.Parse(await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        Assert.Equal("overloaded_error", error["error"]!["type"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await first).StatusCode);
        Assert.Single(upstream.Requests);
    }

    [Fact]
    public async Task A_client_aborting_mid_stream_frees_its_slot_at_once()
    {
        await using var upstream = await FakeAnthropicServer.StartAsync();
        upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text(new string('x', 100), chunks: 100), TimeSpan.FromMilliseconds(100)));
        upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("second")));
        await using var proxy = await ProxyProcess.StartAsync(new Dictionary<string, string>
        {
            ["Backend:Kind"] = "AnthropicApi",
            ["Backend:BaseUrl"] = upstream.BaseUrl,
            ["Proxy:MaxConcurrentSessions"] = "1",
        });
        using var client = proxy.CreateAbortingClient();
        using (var first = await client.SendAsync(Stream(), HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken))
        {
            await using var body = await first.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken);
            await body.ReadAtLeastAsync(new byte[64], 1, cancellationToken: TestContext.Current.CancellationToken);
        }

        var second = await client.SendAsync(Stream(), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Contains("second", SseEvents.Text(SseEvents.Parse(await second.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))));
        var record = JsonNode.Parse(await client.GetStringAsync("/telemetry/requests?limit=1", TestContext.Current.CancellationToken))![0]!;
        // The abandoned stream would have run 10 s; the second request waited a fraction of that.
        Assert.True(record["queueWaitMs"]!.GetValue<double>() < 4000, record.ToJsonString());
        Assert.Equal(1, await Eventually.GetAsync(() => Volatile.Read(ref upstream.Aborted), aborted => aborted > 0));
    }
}

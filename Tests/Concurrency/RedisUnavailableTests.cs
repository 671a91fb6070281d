using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Tests.Concurrency;

/// <summary>Redis going away degrades the limit to each replica's own; it never stops the proxy from serving.</summary>
public sealed class RedisUnavailableTests
{
    [Fact]
    public async Task Without_a_reachable_redis_requests_are_served_on_the_in_process_limit_and_health_says_so()
    {
        var deadPort = LoopbackPorts.Free();

        await using var upstream = await FakeAnthropicServer.StartAsync();
        await using var proxy = ProxyFactory.ForUpstream(upstream, ("ConnectionStrings:redis", $"127.0.0.1:{deadPort},connectTimeout=500"));
        var client = proxy.CreateClient();

        Task<HttpResponseMessage> SendAsync() => client.PostAsync("/v1/messages",
            new StringContent("""{"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        // The first request finds Redis unreachable (a short wait for the connection) and fails over.
        Assert.Equal(HttpStatusCode.OK, (await SendAsync()).StatusCode);
        var started = DateTime.UtcNow;
        var second = await SendAsync();

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        // Failed over: the next requests do not wait for Redis again (its timeouts are 5 s by default).
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(2.5), (DateTime.UtcNow - started).ToString());
        var health = JsonNode.Parse(await client.GetStringAsync("/health", TestContext.Current.CancellationToken))!;
        Assert.Equal("degraded", health["checks"]!["redis"]!["status"]!.GetValue<string>());
    }
}

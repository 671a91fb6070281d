using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Tests.Concurrency;

/// <summary>Several real ProxyService processes sharing one real redis-server act as one limit.</summary>
public sealed class DistributedLimitTests
{
    private static async Task<ProxyProcess[]> StartReplicasAsync(int count, RedisServer redis, FakeAnthropicServer upstream, params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string>
        {
            ["Backend:Kind"] = "AnthropicApi",
            ["Backend:BaseUrl"] = upstream.BaseUrl,
            ["ConnectionStrings:redis"] = redis.ConnectionString,
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return await Task.WhenAll(Enumerable.Range(0, count).Select(_ => ProxyProcess.StartAsync(settings)));
    }

    private static HttpRequestMessage Stream(string prompt = "hi") => new(HttpMethod.Post, "/v1/messages")
    {
        Content = new StringContent($$"""{"stream":true,"messages":[{"role":"user","content":"{{prompt}}"}]}""", Encoding.UTF8, "application/json"),
    };

    private static async Task DisposeAllAsync(IEnumerable<ProxyProcess> replicas)
    {
        foreach (var replica in replicas)
        {
            await replica.DisposeAsync();
        }
    }

    [Fact]
    public async Task Three_replicas_with_limit_five_never_run_more_than_five_of_sixty_streams()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var upstream = await FakeAnthropicServer.StartAsync();
        upstream.DefaultReply = Replies.SseReply(AnthropicStreams.Text("a slow streamed answer", chunks: 6), TimeSpan.FromMilliseconds(40));
        var replicas = await StartReplicasAsync(3, redis, upstream, ("Proxy:MaxConcurrentSessions", "5"));
        try
        {
            var clients = replicas.Select(r => new HttpClient { BaseAddress = new Uri(r.BaseUrl), Timeout = TimeSpan.FromSeconds(60) }).ToArray();

            var results = await Task.WhenAll(Enumerable.Range(0, 60).Select(async i =>
            {
                using var response = await clients[i % 3].SendAsync(Stream($"request {i}"), TestContext.Current.CancellationToken);
                return (response.StatusCode, Text: SseEvents.Text(SseEvents.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))));
            }));

            Assert.All(results, r => Assert.Equal((HttpStatusCode.OK, "a slow streamed answer"), r));
            Assert.Equal(60, upstream.Requests.Count);
            Assert.True(upstream.MaxConcurrent is >= 2 and <= 5, $"max concurrent {upstream.MaxConcurrent}; replica warnings:\n"
                + string.Join("\n", replicas.SelectMany(r => r.Output.Split('\n')).Where(line => line.Contains("Redis", StringComparison.Ordinal))));
            // Every replica took part in the waiting, so the limit really was shared.
            foreach (var client in clients)
            {
                var records = JsonNode.Parse(await client.GetStringAsync("/telemetry/requests?limit=100", TestContext.Current.CancellationToken))!.AsArray();
                Assert.Equal(20, records.Count);
                Assert.Contains(records, r => r!["queueWaitMs"]!.GetValue<double>() > 100);
            }
        }
        finally
        {
            await DisposeAllAsync(replicas);
        }
    }

    [Fact]
    public async Task Overflowing_the_shared_waiting_room_gets_529s()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var upstream = await FakeAnthropicServer.StartAsync();
        upstream.DefaultReply = Replies.SseReply(AnthropicStreams.Text("hold the slot", chunks: 4), TimeSpan.FromMilliseconds(250));
        var replicas = await StartReplicasAsync(2, redis, upstream, ("Proxy:MaxConcurrentSessions", "2"), ("Proxy:MaxQueueLength", "2"));
        try
        {
            var clients = replicas.Select(r => new HttpClient { BaseAddress = new Uri(r.BaseUrl) }).ToArray();

            var statuses = await Task.WhenAll(Enumerable.Range(0, 10).Select(async i =>
            {
                await Task.Delay(i * 30, TestContext.Current.CancellationToken);
                using var response = await clients[i % 2].SendAsync(Stream(), TestContext.Current.CancellationToken);
                await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
                return (int)response.StatusCode;
            }));

            // 2 running + 2 waiting at most; the rest arrive while both are full.
            Assert.InRange(statuses.Count(s => s == 200), 4, 5);
            Assert.Equal(10, statuses.Count(s => s is 200 or 529));
            Assert.InRange(upstream.MaxConcurrent, 1, 2);
        }
        finally
        {
            await DisposeAllAsync(replicas);
        }
    }

    [Fact]
    public async Task A_killed_replicas_slots_come_back_within_the_lease_time()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var upstream = await FakeAnthropicServer.StartAsync();
        upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text(new string('a', 60), chunks: 60), TimeSpan.FromMilliseconds(500)));
        upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text(new string('b', 60), chunks: 60), TimeSpan.FromMilliseconds(500)));
        upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("after the crash")));
        var replicas = await StartReplicasAsync(2, redis, upstream, ("Proxy:MaxConcurrentSessions", "2"), ("Proxy:LeaseTtl", "00:00:03"));
        try
        {
            using var doomedClient = new HttpClient { BaseAddress = new Uri(replicas[0].BaseUrl) };
            var held = Enumerable.Range(0, 2).Select(_ => doomedClient.SendAsync(Stream(), HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken)).ToList();
            await Task.WhenAll(held);
            Assert.Equal(2, upstream.Requests.Count);

            await replicas[0].DisposeAsync();
            var killedAt = DateTime.UtcNow;
            using var survivor = new HttpClient { BaseAddress = new Uri(replicas[1].BaseUrl) };
            var response = await survivor.SendAsync(Stream(), TestContext.Current.CancellationToken);
            var waited = DateTime.UtcNow - killedAt;

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("after the crash", SseEvents.Text(SseEvents.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))));
            // Not at once (the dead leases, renewed every second, had to expire), and within the 3 s lease plus one poll
            // interval and a margin for a busy machine: without expiry the two 30 s streams would hold the slots.
            Assert.InRange(waited, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(7));
        }
        finally
        {
            await DisposeAllAsync(replicas);
        }
    }
}

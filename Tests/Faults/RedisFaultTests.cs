using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using AgentRelay.ProxyService.Concurrency;
using AgentRelay.Tests.Infrastructure;
using StackExchange.Redis;

namespace AgentRelay.Tests.Faults;

/// <summary>Redis and replicas dying under load: two real proxy processes, one real redis-server, one fake upstream.</summary>
[Trait("Category", "Faults")]
public sealed class RedisFaultTests
{
    private const int Limit = 4;
    private const int FairShare = 2;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>One upstream request as the fake saw it; the client's x-api-key (passed through) names the replica.</summary>
    private sealed record Call(string Replica, long Started, long Ended);

    private static async Task<ProxyProcess[]> StartReplicasAsync(RedisServer redis, FakeAnthropicServer upstream, string leaseTtl)
    {
        var settings = new Dictionary<string, string>
        {
            ["Backend:Kind"] = "AnthropicApi",
            ["Backend:BaseUrl"] = upstream.BaseUrl,
            ["ConnectionStrings:redis"] = redis.ConnectionString + ",connectTimeout=1000",
            ["Proxy:MaxConcurrentSessions"] = Limit.ToString(),
            ["Proxy:LeaseTtl"] = leaseTtl,
        };
        return await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => ProxyProcess.StartAsync(settings)));
    }

    private static async Task WaitForReplicasInRedisAsync(RedisServer redis, int count)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var seen = await Processes.WaitUntilAsync(
            () => connection.GetDatabase().SortedSetLength(RedisConcurrencyLimiter.KeyPrefix + "replicas") == count, TimeSpan.FromSeconds(30));
        Assert.NotNull(seen);
        // Each replica counts the others at its next heartbeat (a third of the lease time).
        await Task.Delay(1500, Cancel);
    }

    private static HttpRequestMessage Stream(string replica)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
        {
            Content = new StringContent("""{"stream":true,"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("x-api-key", replica);
        return request;
    }

    [Fact]
    public async Task Redis_killed_and_restarted_under_load_every_request_ends_at_once_and_admissions_stay_within_the_fair_share()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var upstream = await FakeAnthropicServer.StartAsync();
        var calls = new ConcurrentBag<Call>();
        var reply = Replies.SseReply(AnthropicStreams.Text("under load", chunks: 5), TimeSpan.FromMilliseconds(40));
        upstream.DefaultReply = async context =>
        {
            var started = Stopwatch.GetTimestamp();
            await reply(context);
            calls.Add(new Call(context.Request.Headers["x-api-key"].ToString(), started, Stopwatch.GetTimestamp()));
        };
        var replicas = await StartReplicasAsync(redis, upstream, "00:00:03");
        try
        {
            await WaitForReplicasInRedisAsync(redis, 2);
            var names = new[] { "replica-a", "replica-b" };
            var clients = replicas.Select(r => new HttpClient { BaseAddress = new Uri(r.BaseUrl), Timeout = TimeSpan.FromSeconds(60) }).ToArray();
            using var stop = new CancellationTokenSource();
            var results = new ConcurrentBag<(HttpStatusCode Status, bool Complete, TimeSpan HeldAfterStop)>();

            // :: Load: 8 streaming clients per replica, each reading every stream to its end.
            var load = Enumerable.Range(0, 16).Select(async i =>
            {
                while (!stop.IsCancellationRequested)
                {
                    using var response = await clients[i % 2].SendAsync(Stream(names[i % 2]), HttpCompletionOption.ResponseHeadersRead, Cancel);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Cancel));
                    long stoppedAt = 0;
                    while (await reader.ReadLineAsync(Cancel) is { } line)
                    {
                        if (line == "event: message_stop")
                        {
                            stoppedAt = Stopwatch.GetTimestamp();
                        }
                    }

                    var held = stoppedAt == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(stoppedAt);
                    results.Add((response.StatusCode, stoppedAt != 0, held));
                }
            }).ToList();

            // :: The outage: Redis killed under load (once every client has finished a request) for 4 s, then a fresh
            // (empty) Redis on the same port.
            Assert.NotNull(await Processes.WaitUntilAsync(() => results.Count >= 32, TimeSpan.FromSeconds(60)));
            await redis.KillAsync();
            var killedAt = Stopwatch.GetTimestamp();
            await Task.Delay(4000, Cancel);
            var restartedAt = Stopwatch.GetTimestamp();
            await redis.RestartAsync();
            await Task.Delay(2000, Cancel);
            await stop.CancelAsync();
            await Task.WhenAll(load).WaitAsync(TimeSpan.FromSeconds(60), Cancel);

            // Every request ended, complete, and none stayed open after its message_stop (before: up to 5 s, waiting
            // for the lease release to reach Redis).
            Assert.NotEmpty(results);
            Assert.All(results, r => Assert.Equal((HttpStatusCode.OK, true), (r.Status, r.Complete)));
            var longestHeld = results.Max(r => r.HeldAfterStop);
            Assert.True(longestHeld < TimeSpan.FromSeconds(1), $"a stream stayed open {longestHeld} after its message_stop");

            // Admissions during the outage: upstream calls that began after the kill (and before Redis came back) ran
            // at most the fair share at a time on each replica (before: the full limit each, so twice the limit).
            // A request Redis admitted just before the kill may reach the upstream a little after it on a busy machine:
            // count admissions from 1 s after the kill (the limiter's fail-over time; each call lasts ~200 ms).
            var failedOverAt = killedAt + Stopwatch.Frequency;
            var admitted = calls.Where(c => c.Started > failedOverAt && c.Started < restartedAt).ToList();
            Assert.True(admitted.Count > 0, $"no upstream call began during the outage; calls began at (ms from the kill) "
                + string.Join(", ", calls.Select(c => Stopwatch.GetElapsedTime(killedAt, c.Started).TotalMilliseconds * (c.Started < killedAt ? -1 : 1)).Order().Select(ms => ms.ToString("0")))
                + "\n" + string.Join("\n", replicas.SelectMany(r => r.Output.Split('\n')).Where(l => l.Contains("Redis", StringComparison.Ordinal) || l.Contains("fail", StringComparison.OrdinalIgnoreCase))));
            foreach (var name in names)
            {
                var peak = PeakOverlap(admitted.Where(c => c.Replica == name).ToList());
                Assert.True(peak <= FairShare, $"{name} ran {peak} requests at once during the outage (fair share {FairShare} of {Limit})");
            }

            // Before and after the outage the global limit held.
            var outside = calls.Where(c => c.Ended < killedAt).ToList();
            Assert.InRange(PeakOverlap(outside), 1, Limit);
            foreach (var replica in replicas)
            {
                Assert.NotNull(await Processes.WaitUntilAsync(() => HealthyAsync(replica).Result, TimeSpan.FromSeconds(20)));
                await FaultAssertions.AssertNoChildProcessesAsync(replica);
            }
        }
        finally
        {
            foreach (var replica in replicas)
            {
                await replica.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_replica_killed_while_holding_leases_fails_its_own_clients_at_once_and_its_slots_come_back()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var upstream = await FakeAnthropicServer.StartAsync();
        upstream.DefaultReply = Replies.SseReply(AnthropicStreams.Text(new string('a', 40), chunks: 40), TimeSpan.FromMilliseconds(250));
        var replicas = await StartReplicasAsync(redis, upstream, "00:00:03");
        try
        {
            await WaitForReplicasInRedisAsync(redis, 2);
            using var doomedClient = new HttpClient { BaseAddress = new Uri(replicas[0].BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
            var held = await Task.WhenAll(Enumerable.Range(0, Limit).Select(_ =>
                doomedClient.SendAsync(Stream("doomed"), HttpCompletionOption.ResponseHeadersRead, Cancel)));
            Assert.All(held, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));

            var doomedPid = replicas[0].ProcessId;
            await replicas[0].DisposeAsync(); // SIGKILL of the process tree, by its id
            var killed = Stopwatch.StartNew();

            // Its clients see their streams break, not hang.
            foreach (var response in held)
            {
                await Assert.ThrowsAnyAsync<Exception>(() => response.Content.ReadAsStringAsync(Cancel).WaitAsync(TimeSpan.FromSeconds(10), Cancel));
                response.Dispose();
            }

            // The survivor gets the dead replica's slots back within the lease time (the limit was full).
            using var survivor = new HttpClient { BaseAddress = new Uri(replicas[1].BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
            using var after = await survivor.SendAsync(Stream("survivor"), Cancel);
            Assert.Equal(HttpStatusCode.OK, after.StatusCode);
            Assert.Equal(new string('a', 40), SseEvents.Text(SseEvents.Parse(await after.Content.ReadAsStringAsync(Cancel))));
            Assert.True(killed.Elapsed < TimeSpan.FromSeconds(30), $"took {killed.Elapsed}");
            Assert.False(Processes.IsGone(replicas[1].ProcessId));
            Assert.True(Processes.IsStopped(doomedPid));
            await FaultAssertions.AssertHealthyAsync(replicas[1]);
            await FaultAssertions.AssertNoChildProcessesAsync(replicas[1]);
        }
        finally
        {
            foreach (var replica in replicas)
            {
                await replica.DisposeAsync();
            }
        }
    }

    private static async Task<bool> HealthyAsync(ProxyProcess proxy)
    {
        using var client = new HttpClient { BaseAddress = new Uri(proxy.BaseUrl), Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            var body = await client.GetStringAsync("/health");
            return body.Contains("\"status\":\"healthy\"", StringComparison.Ordinal);
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>The most calls running at the same instant.</summary>
    private static int PeakOverlap(IReadOnlyList<Call> calls)
    {
        var edges = calls.SelectMany(c => new[] { (At: c.Started, Delta: 1), (At: c.Ended, Delta: -1) }).OrderBy(e => e.At).ThenBy(e => e.Delta);
        int now = 0, peak = 0;
        foreach (var (_, delta) in edges)
        {
            now += delta;
            peak = Math.Max(peak, now);
        }

        return peak;
    }
}

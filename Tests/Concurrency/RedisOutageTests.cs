using System.Diagnostics;
using AgentRelay.ProxyService.Concurrency;
using AgentRelay.ProxyService.Configuration;
using AgentRelay.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AgentRelay.Tests.Concurrency;

/// <summary>
/// The distributed limiter against a real redis-server that is killed: a finished request never waits on Redis, and
/// each replica falls back to its fair share of the global limit, counting what it already runs.
/// </summary>
public sealed class RedisOutageTests
{
    private static readonly ProxyOptions s_options = new()
    {
        MaxConcurrentSessions = 4,
        QueueTimeout = TimeSpan.FromMilliseconds(300),
        LeaseTtl = TimeSpan.FromSeconds(3),
    };

    private sealed class Replica : IAsyncDisposable
    {
        private Replica(ConnectionMultiplexer redis)
        {
            Redis = redis;
            var options = new Fixed(s_options);
            Heartbeat = new ReplicaHeartbeat(redis, options, TimeProvider.System, NullLogger<ReplicaHeartbeat>.Instance);
            Limiter = new RedisConcurrencyLimiter(redis, options, Heartbeat, TimeProvider.System, NullLogger<RedisConcurrencyLimiter>.Instance);
        }

        public ConnectionMultiplexer Redis { get; }

        public ReplicaHeartbeat Heartbeat { get; }

        public RedisConcurrencyLimiter Limiter { get; }

        public static async Task<Replica> ConnectAsync(RedisServer server)
        {
            var options = ConfigurationOptions.Parse(server.ConnectionString);
            options.AbortOnConnectFail = false;
            return new Replica(await ConnectionMultiplexer.ConnectAsync(options));
        }

        public async Task<IAsyncDisposable> AcquireAsync()
        {
            var acquisition = await Limiter.AcquireAsync(TestContext.Current.CancellationToken);
            Assert.Equal(SlotRejection.None, acquisition.Rejection);
            return acquisition.Lease!;
        }

        public async Task WaitDisconnectedAsync() =>
            Assert.NotNull(await Processes.WaitUntilAsync(() => !Redis.IsConnected, TimeSpan.FromSeconds(10)));

        public async ValueTask DisposeAsync()
        {
            Limiter.Dispose();
            await Redis.DisposeAsync();
        }
    }

    [Fact]
    public async Task Releasing_a_lease_while_redis_is_down_returns_at_once_and_frees_the_local_slot()
    {
        await using var server = await RedisServer.StartAsync();
        await using var replica = await Replica.ConnectAsync(server);
        var lease = await replica.AcquireAsync();
        Assert.Equal(1, replica.Limiter.LocalInUse);

        await server.KillAsync();
        await replica.WaitDisconnectedAsync();
        var watch = Stopwatch.StartNew();
        await lease.DisposeAsync();

        // Before: the release waited in the multiplexer's backlog until Redis came back or its 5 s timeout.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"release took {watch.Elapsed}");
        Assert.Equal(0, replica.Limiter.LocalInUse);
    }

    [Fact]
    public async Task During_an_outage_each_replica_admits_only_its_fair_share_of_the_global_limit()
    {
        await using var server = await RedisServer.StartAsync();
        await using var a = await Replica.ConnectAsync(server);
        await using var b = await Replica.ConnectAsync(server);
        await BothSeeEachOtherAsync(a, b);

        await server.KillAsync();
        await a.WaitDisconnectedAsync();
        var first = await a.AcquireAsync();
        var second = await a.AcquireAsync();
        var third = await a.Limiter.AcquireAsync(TestContext.Current.CancellationToken);

        // A limit of 4 shared by 2 replicas: 2 each, not 4 each (which would make 8 in flight).
        Assert.Equal(SlotRejection.QueueTimeout, third.Rejection);
        await first.DisposeAsync();
        var again = await a.AcquireAsync();
        await again.DisposeAsync();
        await second.DisposeAsync();
        Assert.Equal(0, a.Limiter.LocalInUse);
    }

    [Fact]
    public async Task The_fallback_counts_the_requests_already_running_under_redis_leases()
    {
        await using var server = await RedisServer.StartAsync();
        await using var a = await Replica.ConnectAsync(server);
        await using var b = await Replica.ConnectAsync(server);
        await BothSeeEachOtherAsync(a, b);
        var held = new[] { await a.AcquireAsync(), await a.AcquireAsync() };

        await server.KillAsync();
        await a.WaitDisconnectedAsync();
        var refused = await a.Limiter.AcquireAsync(TestContext.Current.CancellationToken);

        Assert.Equal(SlotRejection.QueueTimeout, refused.Rejection);
        await held[0].DisposeAsync();
        var admitted = await a.AcquireAsync();
        await admitted.DisposeAsync();
        await held[1].DisposeAsync();
        Assert.Equal(0, a.Limiter.LocalInUse);
    }

    private static async Task BothSeeEachOtherAsync(Replica a, Replica b)
    {
        Assert.True(await a.Heartbeat.BeatAsync());
        Assert.True(await b.Heartbeat.BeatAsync());
        Assert.True(await a.Heartbeat.BeatAsync());
        Assert.Equal(2, a.Heartbeat.ReplicasSeen);
        Assert.Equal(2, b.Heartbeat.ReplicasSeen);
    }

    [Fact]
    public void The_fair_share_is_the_limit_divided_by_the_replicas_and_never_zero()
    {
        Assert.Equal(4, RedisConcurrencyLimiter.FairShare(8, 2));
        Assert.Equal(2, RedisConcurrencyLimiter.FairShare(5, 2));
        Assert.Equal(1, RedisConcurrencyLimiter.FairShare(2, 3));
        Assert.Equal(8, RedisConcurrencyLimiter.FairShare(8, 0));
    }

    private sealed class Fixed(ProxyOptions value) : IOptionsMonitor<ProxyOptions>
    {
        public ProxyOptions CurrentValue => value;

        public ProxyOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<ProxyOptions, string?> listener) => null;
    }
}

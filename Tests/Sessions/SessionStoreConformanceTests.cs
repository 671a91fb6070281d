using AgentRelay.ProxyService.Configuration;
using AgentRelay.ProxyService.Sessions;
using AgentRelay.Tests.Infrastructure;
using AgentRelay.Tests.Backends.ClaudeCli;
using StackExchange.Redis;

namespace AgentRelay.Tests.Sessions;

/// <summary>
/// One suite, every store: what the session layer relies on. Run against a real <c>redis-server</c> on a free loopback
/// port (<see cref="RedisSessionStoreTests"/>) and the in-process store (<see cref="InProcessSessionStoreTests"/>).
/// </summary>
public abstract class SessionStoreConformanceTests
{
    protected static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>A fresh, empty store whose entries expire <paramref name="ttl"/> after their last use.</summary>
    protected abstract ISessionStore CreateStore(TimeSpan ttl);

    protected static string NewKey() => "id:" + Guid.NewGuid().ToString("N");

    protected static SessionState State(int count, string relayId = "rs_1") => new()
    {
        RelaySessionId = relayId,
        ClaudeSessionId = "cli-" + count,
        MessageCount = count,
        MessageHashes = [.. Enumerable.Range(0, count).Select(i => $"h{i}")],
        LineageHash = "lineage-" + count,
        ReplyHash = "reply-" + count,
        UpdatedAt = DateTimeOffset.UnixEpoch.AddSeconds(count),
    };

    [Fact]
    public async Task Missing_key_is_a_miss()
    {
        var store = CreateStore(TimeSpan.FromMinutes(1));

        Assert.Null(await store.GetAsync(NewKey(), Cancel));
    }

    [Fact]
    public async Task Written_state_reads_back_whole_at_version_one()
    {
        var store = CreateStore(TimeSpan.FromMinutes(1));
        var key = NewKey();

        var written = State(3);
        Assert.True(await store.SetAsync(key, written, 0, Cancel));
        var read = await store.GetAsync(key, Cancel);

        Assert.NotNull(read);
        Assert.Equal(written with { Version = 1 }, read with { MessageHashes = written.MessageHashes });
        Assert.Equal(written.MessageHashes, read.MessageHashes);
    }

    [Fact]
    public async Task A_write_over_a_version_someone_else_replaced_is_refused()
    {
        var store = CreateStore(TimeSpan.FromMinutes(1));
        var key = NewKey();
        Assert.True(await store.SetAsync(key, State(1), 0, Cancel));

        var first = await store.SetAsync(key, State(3), 1, Cancel);
        var late = await store.SetAsync(key, State(2), 1, Cancel);
        var fresh = await store.SetAsync(key, State(9), 0, Cancel);

        Assert.True(first);
        Assert.False(late);
        Assert.False(fresh);
        var read = await store.GetAsync(key, Cancel);
        Assert.Equal(3, read!.MessageCount);
        Assert.Equal(2, read.Version);
    }

    [Fact]
    public async Task Concurrent_writers_over_the_same_version_one_wins()
    {
        var store = CreateStore(TimeSpan.FromMinutes(1));
        var key = NewKey();

        var results = await Task.WhenAll(Enumerable.Range(1, 16).Select(i => store.SetAsync(key, State(i), 0, Cancel).AsTask()));

        Assert.Single(results, written => written);
        Assert.Equal(1, (await store.GetAsync(key, Cancel))!.Version);
    }

    [Fact]
    public async Task Removed_state_is_gone()
    {
        var store = CreateStore(TimeSpan.FromMinutes(1));
        var key = NewKey();
        await store.SetAsync(key, State(1), 0, Cancel);

        await store.RemoveAsync(key, Cancel);

        Assert.Null(await store.GetAsync(key, Cancel));
        Assert.True(await store.SetAsync(key, State(2), 0, Cancel));
    }

    [Fact]
    public async Task State_expires_after_the_ttl_unless_used_and_use_refreshes_it()
    {
        // Real time for every store; each presence assertion is made only when the measured gap allows a conclusion,
        // so a busy machine that oversleeps makes the test weaker, never wrong.
        var ttl = TimeSpan.FromSeconds(3);
        var store = CreateStore(ttl);
        var used = NewKey();
        var idle = NewKey();
        await store.SetAsync(used, State(1), 0, Cancel);
        await store.SetAsync(idle, State(1), 0, Cancel);
        var sinceSet = System.Diagnostics.Stopwatch.StartNew();

        await Task.Delay(ttl * 0.6, Cancel);
        var refreshed = await store.GetAsync(used, Cancel);
        var refreshedAt = sinceSet.Elapsed;
        var sinceRefresh = System.Diagnostics.Stopwatch.StartNew();
        await Task.Delay(ttl * 0.6, Cancel);
        var stillThere = await store.GetAsync(used, Cancel);
        var gap = sinceRefresh.Elapsed;
        while (sinceSet.Elapsed < ttl + TimeSpan.FromMilliseconds(300))
        {
            await Task.Delay(100, Cancel);
        }

        Assert.Null(await store.GetAsync(idle, Cancel));
        if (refreshedAt < ttl)
        {
            Assert.NotNull(refreshed);
        }

        if (gap < ttl)
        {
            Assert.NotNull(stillThere);
        }
    }
}

public sealed class InProcessSessionStoreTests : SessionStoreConformanceTests
{
    protected override ISessionStore CreateStore(TimeSpan ttl) =>
        new InProcessSessionStore(new FixedOptions<SessionsOptions>(new SessionsOptions { Ttl = ttl }), TimeProvider.System);

    [Fact]
    public async Task Bounded_least_recently_used_first()
    {
        var store = new InProcessSessionStore(new FixedOptions<SessionsOptions>(new SessionsOptions { MaxEntries = 3 }), TimeProvider.System);
        foreach (var key in new[] { "a", "b", "c" })
        {
            await store.SetAsync(key, State(1), 0, Cancel);
        }

        await store.GetAsync("a", Cancel);
        await store.SetAsync("d", State(1), 0, Cancel);

        Assert.Equal(3, store.Count);
        Assert.Null(await store.GetAsync("b", Cancel));
        Assert.NotNull(await store.GetAsync("a", Cancel));
        Assert.NotNull(await store.GetAsync("d", Cancel));
    }
}

public sealed class RedisSessionStoreTests(RedisSessionStoreTests.RedisFixture redis) : SessionStoreConformanceTests, IClassFixture<RedisSessionStoreTests.RedisFixture>
{
    protected override ISessionStore CreateStore(TimeSpan ttl) =>
        new RedisSessionStore(redis.Connection, new FixedOptions<SessionsOptions>(new SessionsOptions { Ttl = ttl }));

    [Fact]
    public async Task Keys_live_under_one_prefix_with_the_ttl()
    {
        var store = CreateStore(TimeSpan.FromMinutes(5));
        var key = NewKey();

        await store.SetAsync(key, State(2), 0, Cancel);

        var server = redis.Connection.GetServer(redis.Connection.GetEndPoints()[0]);
        var keys = server.Keys(pattern: "*").Select(k => k.ToString()).ToList();
        Assert.Contains(RedisSessionStore.KeyPrefix + key, keys);
        Assert.All(keys, k => Assert.StartsWith(RedisSessionStore.KeyPrefix, k, StringComparison.Ordinal));
        var ttl = await redis.Connection.GetDatabase().KeyTimeToLiveAsync(RedisSessionStore.KeyPrefix + key);
        Assert.InRange(ttl!.Value, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(5));
    }

    /// <summary>One real redis-server for the class.</summary>
    public sealed class RedisFixture : IAsyncLifetime
    {
        private RedisServer _server = null!;

        public IConnectionMultiplexer Connection { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            _server = await RedisServer.StartAsync();
            Connection = await ConnectionMultiplexer.ConnectAsync(_server.ConnectionString + ",allowAdmin=true");
        }

        public async ValueTask DisposeAsync()
        {
            await Connection.DisposeAsync();
            await _server.DisposeAsync();
        }
    }
}

using AgentRelay.ProxyService.Concurrency;
using AgentRelay.ProxyService.Configuration;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AgentRelay.Tests.Concurrency;

public sealed class InProcessConcurrencyLimiterTests
{
    private readonly FakeTimeProvider _time = new();

    private InProcessConcurrencyLimiter Limiter(int max, int queue = 10, TimeSpan? timeout = null) =>
        new(new StaticMonitor(new ProxyOptions { MaxConcurrentSessions = max, MaxQueueLength = queue, QueueTimeout = timeout ?? TimeSpan.FromMinutes(2) }), _time);

    [Fact]
    public async Task Slots_up_to_the_limit_are_given_at_once()
    {
        var limiter = Limiter(2);

        var a = await limiter.AcquireAsync(CancellationToken.None);
        var b = await limiter.AcquireAsync(CancellationToken.None);

        Assert.NotNull(a.Lease);
        Assert.NotNull(b.Lease);
        Assert.Equal(0, a.QueuePosition);
        Assert.Equal(2, limiter.InUse);
    }

    [Fact]
    public async Task Waiters_are_served_first_come_first_served()
    {
        var limiter = Limiter(1);
        var held = await limiter.AcquireAsync(TestContext.Current.CancellationToken);
        var order = new List<int>();
        var waiters = new List<Task>();
        for (var n = 1; n <= 3; n++)
        {
            // AcquireAsync joins the queue before it first awaits, so the calls queue in exactly this order.
            var arrival = n;
            var acquisition = limiter.AcquireAsync(TestContext.Current.CancellationToken).AsTask();
            waiters.Add(acquisition.ContinueWith(async granted =>
            {
                lock (order)
                {
                    order.Add(arrival);
                }

                await granted.Result.Lease!.DisposeAsync();
            }, TaskScheduler.Default).Unwrap());
        }

        Assert.All(waiters, waiter => Assert.False(waiter.IsCompleted));
        await held.Lease!.DisposeAsync();
        await Task.WhenAll(waiters).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal([1, 2, 3], order);
        Assert.Equal(0, limiter.InUse);
    }

    [Fact]
    public async Task A_full_waiting_room_refuses_at_once()
    {
        var limiter = Limiter(1, queue: 1);
        await limiter.AcquireAsync(CancellationToken.None);
        var waiting = limiter.AcquireAsync(CancellationToken.None);

        var refused = await limiter.AcquireAsync(CancellationToken.None);

        Assert.Null(refused.Lease);
        Assert.Equal(SlotRejection.QueueFull, refused.Rejection);
        Assert.False(waiting.IsCompleted);
    }

    [Fact]
    public async Task A_waiter_is_refused_after_the_queue_timeout()
    {
        var limiter = Limiter(1, timeout: TimeSpan.FromSeconds(30));
        await limiter.AcquireAsync(CancellationToken.None);
        var waiting = limiter.AcquireAsync(CancellationToken.None).AsTask();

        _time.Advance(TimeSpan.FromSeconds(29));
        await Task.Delay(20, TestContext.Current.CancellationToken);
        Assert.False(waiting.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(2));
        var result = await waiting.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        Assert.Equal(SlotRejection.QueueTimeout, result.Rejection);
        Assert.Equal(1, result.QueuePosition);
    }

    [Fact]
    public async Task A_waiter_that_disconnects_leaves_the_queue_at_once()
    {
        var limiter = Limiter(1, queue: 1);
        var held = await limiter.AcquireAsync(CancellationToken.None);
        using var disconnect = new CancellationTokenSource();
        var leaving = limiter.AcquireAsync(disconnect.Token).AsTask();

        await disconnect.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leaving);
        // Its place is free again: a new waiter fits in the one-place queue, and gets the slot on release.
        var next = limiter.AcquireAsync(CancellationToken.None).AsTask();
        await held.Lease!.DisposeAsync();

        Assert.NotNull((await next.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken)).Lease);
        Assert.Equal(1, limiter.InUse);
    }

    [Fact]
    public async Task Releasing_twice_frees_only_one_slot()
    {
        var limiter = Limiter(2);
        var a = await limiter.AcquireAsync(CancellationToken.None);
        await limiter.AcquireAsync(CancellationToken.None);

        await a.Lease!.DisposeAsync();
        await a.Lease.DisposeAsync();

        Assert.Equal(1, limiter.InUse);
    }

    private sealed class StaticMonitor(ProxyOptions value) : IOptionsMonitor<ProxyOptions>
    {
        public ProxyOptions CurrentValue => value;

        public ProxyOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<ProxyOptions, string?> listener) => null;
    }
}

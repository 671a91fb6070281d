using AgentRelay.ProxyService.Backends.ClaudeCli.Runtime;
using Microsoft.Extensions.Time.Testing;

namespace AgentRelay.Tests.Backends.ClaudeCli;

/// <summary>When the pool may start a refill: once no request waits for its first output, or after the longest hold.</summary>
public sealed class CliActivityTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_refill_waits_while_a_request_waits_and_goes_once_it_got_its_first_output()
    {
        var activity = new CliActivity(new FakeTimeProvider());
        Assert.True(activity.WhenIdleAsync(Cancel).IsCompletedSuccessfully);

        var waiter = activity.Begin();
        var refill = activity.WhenIdleAsync(Cancel);
        await Task.Yield();
        Assert.False(refill.IsCompleted);

        waiter.FirstOutput();
        await refill.WaitAsync(TimeSpan.FromSeconds(10), Cancel);
        Assert.Equal(0, activity.Waiting);
    }

    [Fact]
    public async Task A_replica_that_is_never_idle_still_refills_after_the_longest_hold()
    {
        var time = new FakeTimeProvider();
        var activity = new CliActivity(time);
        using var waiter = activity.Begin();

        var refill = activity.WhenIdleAsync(Cancel);
        time.Advance(CliActivity.MaxRefillHold - TimeSpan.FromSeconds(1));
        await Task.Yield();
        Assert.False(refill.IsCompleted);

        time.Advance(TimeSpan.FromSeconds(1));
        await refill.WaitAsync(TimeSpan.FromSeconds(10), Cancel);
        Assert.Equal(1, activity.Waiting);
    }

    [Fact]
    public async Task Stopping_the_pool_ends_a_refill_that_waits()
    {
        var activity = new CliActivity(new FakeTimeProvider());
        using var waiter = activity.Begin();
        using var stopping = new CancellationTokenSource();

        var refill = activity.WhenIdleAsync(stopping.Token);
        await stopping.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => refill.WaitAsync(TimeSpan.FromSeconds(10), Cancel));
    }
}

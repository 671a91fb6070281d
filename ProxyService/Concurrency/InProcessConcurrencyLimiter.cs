using AgentRelay.ProxyService.Configuration;
using Microsoft.Extensions.Options;

namespace AgentRelay.ProxyService.Concurrency;

/// <summary>
/// The limiter of a single replica (no Redis): a counter and a FIFO list of waiters. A released slot goes straight to
/// the first waiter, so nobody can overtake the queue.
/// </summary>
public sealed class InProcessConcurrencyLimiter(IOptionsMonitor<ProxyOptions> options, TimeProvider time) : IConcurrencyLimiter
{
    private readonly Lock _lock = new();

    /// <summary>The limit this replica applies; by default <c>Proxy:MaxConcurrentSessions</c>.</summary>
    /// <remarks>The Redis limiter's fallback sets it to the replica's fair share of the global limit.</remarks>
    public Func<ProxyOptions, int> Limit { get; init; } = static settings => settings.MaxConcurrentSessions;

    private readonly LinkedList<TaskCompletionSource> _waiters = new();
    private int _inUse;

    /// <summary>Slots currently held on this replica.</summary>
    public int InUse
    {
        get
        {
            lock (_lock)
            {
                return _inUse;
            }
        }
    }

    public async ValueTask<SlotAcquisition> AcquireAsync(CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        LinkedListNode<TaskCompletionSource> node;
        int position;
        lock (_lock)
        {
            if (_inUse < Limit(settings) && _waiters.Count == 0)
            {
                _inUse++;
                return SlotAcquisition.Granted(new Lease(this), 0);
            }

            if (_waiters.Count >= settings.MaxQueueLength)
            {
                return SlotAcquisition.Refused(SlotRejection.QueueFull, _waiters.Count + 1);
            }

            node = _waiters.AddLast(new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            position = _waiters.Count;
        }

        using var timeout = new CancellationTokenSource(settings.QueueTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        await using (linked.Token.Register(() => Leave(node)))
        {
            try
            {
                await node.Value.Task;
                return SlotAcquisition.Granted(new Lease(this), position);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return SlotAcquisition.Refused(SlotRejection.QueueTimeout, position);
            }
        }
    }

    /// <summary>
    /// Counts a slot granted elsewhere (by Redis) as in use here, without waiting and even above the limit, so that
    /// if this replica falls back to its own limit, the requests it is already running are counted.
    /// </summary>
    public IAsyncDisposable Occupy()
    {
        lock (_lock)
        {
            _inUse++;
        }

        return new Lease(this);
    }

    /// <summary>A waiter that gave up leaves at once; if the slot was handed over in the same instant, it keeps it.</summary>
    private void Leave(LinkedListNode<TaskCompletionSource> node)
    {
        lock (_lock)
        {
            if (node.List is null)
            {
                return;
            }

            _waiters.Remove(node);
        }

        node.Value.TrySetCanceled();
    }

    private void Release()
    {
        var limit = Limit(options.CurrentValue);
        lock (_lock)
        {
            _inUse--;
            // The slot passes to the first waiter without ever being free; none passes while slots counted by
            // Occupy keep this replica at or above its limit.
            while (_inUse < limit && _waiters.First is { } first)
            {
                _waiters.RemoveFirst();
                _inUse++;
                first.Value.TrySetResult();
            }
        }
    }

    private sealed class Lease(InProcessConcurrencyLimiter owner) : IAsyncDisposable
    {
        private int _released;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner.Release();
            }

            return ValueTask.CompletedTask;
        }
    }
}

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
            if (_inUse < settings.MaxConcurrentSessions && _waiters.Count == 0)
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
        lock (_lock)
        {
            if (_waiters.First is { } first)
            {
                // The slot passes to the first waiter without ever being free.
                _waiters.RemoveFirst();
                first.Value.TrySetResult();
                return;
            }

            _inUse--;
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

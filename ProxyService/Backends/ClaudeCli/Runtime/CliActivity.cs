namespace AgentRelay.ProxyService.Backends.ClaudeCli.Runtime;

/// <summary>
/// The requests of this replica that wait for their CLI's first output. Starting a CLI costs about a second of CPU:
/// the pool starts none while a request waits (<see cref="WhenIdleAsync"/>), so a refill never slows the first byte of
/// a request being served, and a burst of new conversations is not joined by refills. A replica that is never idle
/// still refills, after <see cref="MaxRefillHold"/>.
/// </summary>
public sealed class CliActivity(TimeProvider time)
{
    /// <summary>The longest a refill waits for no request to be waiting.</summary>
    public static readonly TimeSpan MaxRefillHold = TimeSpan.FromSeconds(30);

    private readonly Lock _lock = new();
    private int _waiting;
    private TaskCompletionSource _idle = Idle();

    /// <summary>Requests waiting for their first output.</summary>
    public int Waiting
    {
        get
        {
            lock (_lock)
            {
                return _waiting;
            }
        }
    }

    /// <summary>A request starts waiting; the token ends the wait at its first output (or when disposed).</summary>
    public Waiter Begin()
    {
        lock (_lock)
        {
            if (_waiting++ == 0)
            {
                _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        return new Waiter(this);
    }

    /// <summary>
    /// Completes when no request waits for its first output, or after <see cref="MaxRefillHold"/> at the latest: under
    /// steady traffic there may always be one waiting, and a pool that never refills serves no new conversation.
    /// </summary>
    public async Task WhenIdleAsync(CancellationToken cancellationToken)
    {
        Task idle;
        lock (_lock)
        {
            idle = _idle.Task;
        }

        if (!idle.IsCompleted)
        {
            using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            await Task.WhenAny(idle, Task.Delay(MaxRefillHold, time, giveUp.Token));
            await giveUp.CancelAsync();
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private void End()
    {
        lock (_lock)
        {
            if (--_waiting == 0)
            {
                _idle.TrySetResult();
            }
        }
    }

    private static TaskCompletionSource Idle()
    {
        var idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        idle.SetResult();
        return idle;
    }

    /// <summary>One request's wait for its first output; ended once, whichever comes first.</summary>
    public sealed class Waiter(CliActivity owner) : IDisposable
    {
        private int _ended;

        /// <summary>The request got its first output.</summary>
        public void FirstOutput() => Dispose();

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _ended, 1) == 0)
            {
                owner.End();
            }
        }
    }
}

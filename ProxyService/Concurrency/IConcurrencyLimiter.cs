namespace AgentRelay.ProxyService.Concurrency;

/// <summary>
/// Bounds the requests in flight (across all replicas when backed by Redis). Waiters are served first come, first
/// served; the waiting room is bounded in length and in time. Refusals are values, not exceptions; only the
/// caller's own cancellation throws.
/// </summary>
public interface IConcurrencyLimiter
{
    ValueTask<SlotAcquisition> AcquireAsync(CancellationToken cancellationToken);
}

/// <summary>The outcome of waiting for a slot.</summary>
/// <param name="Lease">The slot, released on dispose; <see langword="null"/> when refused.</param>
/// <param name="Rejection">Why no slot was given.</param>
/// <param name="QueuePosition">1-based position on arrival in the waiting room; 0 when admitted at once.</param>
public sealed record SlotAcquisition(IAsyncDisposable? Lease, SlotRejection Rejection, int QueuePosition)
{
    public static SlotAcquisition Granted(IAsyncDisposable lease, int queuePosition) => new(lease, SlotRejection.None, queuePosition);

    public static SlotAcquisition Refused(SlotRejection rejection, int queuePosition) => new(null, rejection, queuePosition);
}

public enum SlotRejection
{
    /// <summary>A slot was given.</summary>
    None,

    /// <summary>The waiting room already held <c>Proxy:MaxQueueLength</c> requests.</summary>
    QueueFull,

    /// <summary>The request waited <c>Proxy:QueueTimeout</c> without getting a slot.</summary>
    QueueTimeout,
}

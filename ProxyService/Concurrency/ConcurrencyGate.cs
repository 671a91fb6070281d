using System.Diagnostics;
using AgentRelay.ProxyService.Core;
using AgentRelay.ProxyService.Telemetry;

namespace AgentRelay.ProxyService.Concurrency;

/// <summary>
/// Waits for a concurrency slot on behalf of one request: the wait is a <c>concurrency.acquire</c> span, its length
/// goes to <c>queueWaitMs</c>, and a refusal becomes a <c>529 overloaded_error</c> with <c>Retry-After</c>.
/// </summary>
public sealed class ConcurrencyGate(IConcurrencyLimiter limiter, TimeProvider time)
{
    /// <summary>What a refused client is told to wait before trying again.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    public async Task<(IAsyncDisposable? Lease, BackendFailure? Refusal)> EnterAsync(ProxyRequestFeature feature, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        using var activity = ProxyInstrumentation.ActivitySource.StartActivity(TelemetryNames.Spans.ConcurrencyAcquire, ActivityKind.Internal);
        var acquisition = await limiter.AcquireAsync(cancellationToken);
        var waited = time.GetElapsedTime(started);
        feature.QueueWaitMs = Math.Round(waited.TotalMilliseconds, 1);

        activity?.SetTag(TelemetryNames.Relay.Concurrency.QueuePosition, acquisition.QueuePosition);
        activity?.SetTag(TelemetryNames.Relay.Concurrency.WaitMs, feature.QueueWaitMs);
        activity?.SetTag(TelemetryNames.Relay.Concurrency.Outcome, acquisition.Rejection == SlotRejection.None ? "acquired" : acquisition.Rejection.ToString());
        if (acquisition.Lease is { } lease)
        {
            ProxyInstrumentation.SlotsInUse.Add(1);
            return (new CountedLease(lease), null);
        }

        ProxyInstrumentation.ConcurrencyRejections.Add(1, new KeyValuePair<string, object?>(TelemetryNames.Relay.Concurrency.Outcome, acquisition.Rejection.ToString()));
        activity?.SetStatus(ActivityStatusCode.Error, acquisition.Rejection.ToString());
        var message = acquisition.Rejection == SlotRejection.QueueFull
            ? "AgentRelay is at its concurrency limit and its waiting room is full (Proxy:MaxConcurrentSessions, Proxy:MaxQueueLength). Try again shortly."
            : $"AgentRelay is at its concurrency limit and no slot freed up within {waited.TotalSeconds:0.#} s (Proxy:QueueTimeout). Try again shortly.";
        return (null, new BackendFailure(ProxyError.ConcurrencyLimitReached, 529, AnthropicErrorTypes.Overloaded, message) { RetryAfter = RetryAfter });
    }

    private sealed class CountedLease(IAsyncDisposable inner) : IAsyncDisposable
    {
        private int _disposed;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                ProxyInstrumentation.SlotsInUse.Add(-1);
                await inner.DisposeAsync();
            }
        }
    }
}

using System.Runtime.CompilerServices;
using AgentRelay.ProxyService.Configuration;
using AgentRelay.ProxyService.Core;
using Microsoft.Extensions.Options;

namespace AgentRelay.ProxyService.Backends;

/// <summary>
/// Gives up on a backend that stays silent for <c>Backend:Timeout</c>: the backend's call is cancelled (for the CLI
/// that ends its process) and the request gets <c>504 timeout_error</c> (an <c>event: error</c> once a stream has
/// started). Only the backend's silence counts: time spent writing to a slow client does not.
/// </summary>
public sealed class TimeoutBackendClient(IBackendClient inner, IOptionsMonitor<BackendOptions> options, TimeProvider time) : DelegatingBackendClient(inner)
{
    public override async IAsyncEnumerable<BackendEvent> StreamAsync(BackendRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var timeout = options.CurrentValue.Timeout;
        using var watch = new SilenceWatch(timeout, time, cancellationToken);
        await using var items = Inner.StreamAsync(request, watch.Token).GetAsyncEnumerator(watch.Token);
        while (true)
        {
            bool more;
            var next = items.MoveNextAsync();
            if (next.IsCompleted)
            {
                // Already read from the backend (one upstream read holds many events): no wait to time, no clock read.
                more = await next;
            }
            else
            {
                watch.Waiting = true;
                try
                {
                    more = await next;
                }
                catch (OperationCanceledException) when (watch.TimedOut && !cancellationToken.IsCancellationRequested)
                {
                    more = false;
                }

                watch.Waiting = false;
            }

            if (watch.TimedOut && !cancellationToken.IsCancellationRequested)
            {
                yield return TimedOut(timeout);
                yield break;
            }

            if (!more)
            {
                yield break;
            }

            yield return items.Current;
        }
    }

    /// <summary>
    /// Cancels when the backend has been waited for longer than the timeout. One periodic timer per request and a
    /// timestamp per event, rather than rescheduling a timer for every event of a long stream.
    /// </summary>
    private sealed class SilenceWatch : IDisposable
    {
        private readonly CancellationTokenSource _cancellation;
        private readonly ITimer _timer;
        private readonly TimeSpan _timeout;
        private readonly TimeProvider _time;
        private long _waitingSince;

        public SilenceWatch(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
        {
            _timeout = timeout;
            _time = time;
            _cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var period = TimeSpan.FromTicks(Math.Clamp(timeout.Ticks / 8, TimeSpan.TicksPerMillisecond * 10, TimeSpan.TicksPerSecond));
            _timer = time.CreateTimer(static state => ((SilenceWatch)state!).Check(), this, period, period);
        }

        public CancellationToken Token => _cancellation.Token;

        public bool TimedOut { get; private set; }

        public bool Waiting
        {
            set => Volatile.Write(ref _waitingSince, value ? _time.GetTimestamp() : 0);
        }

        private void Check()
        {
            var since = Volatile.Read(ref _waitingSince);
            if (since != 0 && !TimedOut && _time.GetElapsedTime(since) >= _timeout)
            {
                TimedOut = true;
                try
                {
                    _cancellation.Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // The request ended in the same instant.
                }
            }
        }

        public void Dispose()
        {
            _timer.Dispose();
            _cancellation.Dispose();
        }
    }

    internal static BackendFailure TimedOut(TimeSpan timeout) => new(ProxyError.UpstreamTimedOut, StatusCodes.Status504GatewayTimeout,
        AnthropicErrorTypes.Timeout, $"The backend sent nothing for {timeout.TotalSeconds:0.###} s (Backend:Timeout); the request was given up.");
}

using System.Diagnostics;
using System.Runtime.CompilerServices;
using AgentRelay.ProxyService.Configuration;
using AgentRelay.ProxyService.Core;
using AgentRelay.ProxyService.Telemetry;
using Microsoft.Extensions.Options;

namespace AgentRelay.ProxyService.Backends;

/// <summary>
/// Retries rate limits and overloads with exponential backoff, the Polly way: each attempt's outcome is a value, the
/// wait goes through <see cref="TimeProvider"/>, and a retry happens only while nothing has reached the client.
/// </summary>
/// <remarks>
/// NOTE: events are passed on as they arrive, not buffered until the attempt succeeds. For a stream that means the
/// first event commits the response, and a later failure can only end it (<c>give_up_committed</c>): replaying would
/// duplicate or corrupt what the client already has. For a JSON response nothing is written until the end, so even a
/// failure after content is retried; the sink discards the partial message first.
/// </remarks>
public sealed partial class RetryingBackendClient(
    IBackendClient inner,
    IOptionsMonitor<RetryOptions> options,
    IOptionsMonitor<ProxyOptions> proxyOptions,
    RetryJitter jitter,
    TimeProvider time,
    ILogger<RetryingBackendClient> logger) : DelegatingBackendClient(inner)
{
    public override async IAsyncEnumerable<BackendEvent> StreamAsync(BackendRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        for (var attempt = 1; ; attempt++)
        {
            var started = time.GetTimestamp();
            BackendFailure? failure = null;
            await foreach (var item in Inner.StreamAsync(request, cancellationToken))
            {
                if (item is BackendFailure backendFailure)
                {
                    failure = backendFailure;
                    break;
                }

                yield return item;
            }

            var elapsed = time.GetElapsedTime(started);
            if (failure is null)
            {
                Record(request, attempt, "ok", AttemptDecisions.Done, null, elapsed);
                yield break;
            }

            var outcome = OutcomeOf(failure);
            var committed = request.Response.Committed;
            var decision = !failure.IsTransient ? AttemptDecisions.GiveUp
                : committed ? AttemptDecisions.GiveUpCommitted
                : attempt > settings.MaxRetries ? AttemptDecisions.GiveUp
                : AttemptDecisions.Retry;
            if (decision != AttemptDecisions.Retry)
            {
                Record(request, attempt, outcome, decision, null, elapsed);
                yield return failure;
                yield break;
            }

            var delay = RetryDelay.For(attempt, settings, failure.RetryAfter, jitter.Next());
            Record(request, attempt, outcome, decision, delay, elapsed);
            request.Response.Reset();
            await Task.Delay(delay, time, cancellationToken);
        }
    }

    /// <summary>The <c>outcome</c> of an attempt as <c>/telemetry/requests</c> shows it.</summary>
    public static string OutcomeOf(BackendFailure failure) => failure.Stage switch
    {
        ProxyError.UpstreamRateLimited => "rate_limited",
        ProxyError.UpstreamOverloaded => "overloaded",
        ProxyError.UpstreamAuthentication => "authentication_error",
        ProxyError.UpstreamTimedOut => "timeout",
        ProxyError.UpstreamUnreachable => "unreachable",
        _ => failure.Type,
    };

    private void Record(BackendRequest request, int attempt, string outcome, string decision, TimeSpan? delay, TimeSpan elapsed)
    {
        var committed = request.Response.Committed;
        var delayMs = delay is { } value ? Math.Round(value.TotalMilliseconds) : (double?)null;
        request.Context.Attempts.Add(new AttemptRecord(attempt, outcome, decision, delayMs));
        request.Context.Activity?.AddEvent(new ActivityEvent(TelemetryNames.Spans.RetryDecisionEvent, tags: new ActivityTagsCollection
        {
            [TelemetryNames.Relay.Retry.Attempt] = attempt,
            [TelemetryNames.Relay.Retry.Reason] = outcome,
            [TelemetryNames.Relay.Retry.DelayMs] = delayMs ?? 0,
            [TelemetryNames.Relay.Retry.Committed] = committed,
            [TelemetryNames.Relay.Retry.Decision] = decision,
        }));
        ProxyInstrumentation.RetryDecisions.Add(1, new TagList
        {
            { TelemetryNames.Relay.Retry.Reason, outcome },
            { TelemetryNames.Relay.Retry.Decision, decision },
        });

        if (decision == AttemptDecisions.Retry)
        {
            Log.Retrying(logger, attempt, outcome, delayMs ?? 0);
        }
        else if (decision == AttemptDecisions.GiveUpCommitted)
        {
            Log.GaveUpCommitted(logger, attempt, outcome);
        }

        if (proxyOptions.CurrentValue.Debug)
        {
            Log.AttemptTiming(logger, attempt, outcome, decision, elapsed.TotalMilliseconds);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Attempt {Attempt} was {Outcome}; retrying in {DelayMs} ms")]
        public static partial void Retrying(ILogger logger, int attempt, string outcome, double delayMs);

        [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Attempt {Attempt} was {Outcome} after the response was committed; ending the stream with an error instead of replaying it")]
        public static partial void GaveUpCommitted(ILogger logger, int attempt, string outcome);

        [LoggerMessage(EventId = 5003, Level = LogLevel.Information, Message = "Attempt {Attempt}: {Outcome}, {Decision}, {ElapsedMs:0.0} ms")]
        public static partial void AttemptTiming(ILogger logger, int attempt, string outcome, string decision, double elapsedMs);
    }
}

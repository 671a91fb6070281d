using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;
using AgentRelay.ProxyService.Responses;
using AgentRelay.ProxyService.Telemetry;
using AgentRelay.ProxyService.Backends;

namespace AgentRelay.ProxyService.Sessions;

/// <summary>
/// The session layer, outermost in the upstream chain: before the backend is called it looks the conversation up and
/// records the decision on the request (<see cref="ProxyRequestFeature.Session"/>, the <c>session.resolve</c> span,
/// <c>lineage</c>, <c>x-relay-session</c>); after the backend finished successfully, and only then, it stores the new
/// state. A failed request stores nothing, so the next one is judged against the last success.
/// </summary>
public sealed partial class SessionBackendClient(
    IBackendClient inner,
    FailoverSessionStore store,
    TimeProvider time,
    ILogger<SessionBackendClient> logger) : DelegatingBackendClient(inner)
{
    public override async IAsyncEnumerable<BackendEvent> StreamAsync(BackendRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var messages = request.Message.Body["messages"] as JsonArray ?? [];
        var resolution = await ResolveAsync(request.Context, messages, cancellationToken);

        // The reply is aggregated only from a backend that holds sessions (it reports one, before its events): those
        // events are built in memory. Parsing an HTTP upstream's relayed events would cost their byte-for-byte relay.
        MessageAggregator? reply = null;
        string? backendSessionId = null;
        var failed = false;
        var stopped = false;
        await foreach (var item in Inner.StreamAsync(request, cancellationToken))
        {
            switch (item)
            {
                case MessageStreamEvent streamEvent:
                    if (streamEvent.Type == StreamEventTypes.MessageStart)
                    {
                        // A retried attempt starts its message again.
                        reply?.Reset();
                        stopped = false;
                    }

                    reply?.Add(streamEvent);
                    stopped |= streamEvent.Type == StreamEventTypes.MessageStop;
                    break;
                case BackendSessionEvent session:
                    backendSessionId = session.SessionId;
                    reply ??= new MessageAggregator();
                    break;
                case BackendFailure:
                    failed = true;
                    break;
            }

            yield return item;
        }

        if (!failed && stopped && resolution.StoreKey is { } key)
        {
            await StoreAsync(key, resolution, messages, reply?.Build(), backendSessionId);
        }
    }

    private async Task<SessionResolution> ResolveAsync(ProxyRequestFeature feature, JsonArray messages, CancellationToken cancellationToken)
    {
        using var activity = ProxyInstrumentation.ActivitySource.StartActivity(TelemetryNames.Spans.SessionResolve, ActivityKind.Internal);
        var key = SessionResolver.StoreKey(feature, messages);
        var stored = key is null ? null : await store.GetAsync(key, cancellationToken);
        var resolution = SessionResolver.Resolve(feature, messages, key, stored);
        var decision = resolution.Decision;
        feature.Session = decision;
        feature.Lineage = decision.Lineage;
        feature.SessionKey = decision.KeySource;

        if (activity is not null)
        {
            activity.SetTag(TelemetryNames.Relay.SessionKey, decision.KeySource);
            activity.SetTag(TelemetryNames.Relay.Session.Hit, stored is not null);
            activity.SetTag(TelemetryNames.Relay.Session.Lineage, decision.Lineage);
            activity.SetTag(TelemetryNames.Relay.Session.Action, decision.Action);
            activity.SetTag(TelemetryNames.GenAI.ConversationId, decision.RelaySessionId);
            activity.SetTag(TelemetryNames.Relay.Session.Stored, store.Degraded ? "in_process_degraded" : store.Shared ? "redis" : "in_process");
        }

        feature.Activity?.SetTag(TelemetryNames.Relay.Session.Lineage, decision.Lineage);
        feature.Activity?.SetTag(TelemetryNames.GenAI.ConversationId, decision.RelaySessionId);
        Log.Resolved(logger, decision.KeySource, stored is not null, decision.Lineage, decision.Action, decision.NewMessagesFrom, messages.Count);
        return resolution;
    }

    private async Task StoreAsync(string key, SessionResolution resolution, JsonArray messages, JsonObject? reply, string? backendSessionId)
    {
        var state = SessionResolver.NextState(resolution, messages, reply, backendSessionId, time.GetUtcNow());
        try
        {
            // The client may already be gone (a stream it stopped reading); the conversation still moved on.
            if (!await store.SetAsync(key, state, resolution.Stored?.Version ?? 0, CancellationToken.None))
            {
                Log.Superseded(logger, resolution.Decision.Lineage);
            }
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // The answer reached the client; a lost session costs the next request a transcript, never an error.
            Log.StoreFailed(logger, exception.GetType().Name, exception.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 9010, Level = LogLevel.Debug, Message = "Session {KeySource}: hit {Hit}, lineage {Lineage}, action {Action} (new messages from {NewMessagesFrom} of {Count})")]
        public static partial void Resolved(ILogger logger, string keySource, bool hit, string lineage, string action, int newMessagesFrom, int count);

        [LoggerMessage(EventId = 9011, Level = LogLevel.Debug, Message = "Session state not stored: another request of the conversation stored first ({Lineage})")]
        public static partial void Superseded(ILogger logger, string lineage);

        [LoggerMessage(EventId = 9012, Level = LogLevel.Warning, Message = "Session state could not be stored ({ExceptionType}: {Reason}); the next request rebuilds it")]
        public static partial void StoreFailed(ILogger logger, string exceptionType, string reason);
    }
}

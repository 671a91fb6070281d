using System.Runtime.ExceptionServices;
using AgentRelay.ProxyService.Backends;
using AgentRelay.ProxyService.Concurrency;
using AgentRelay.ProxyService.Core;
using AgentRelay.ProxyService.Responses;
using Microsoft.AspNetCore.Http.Features;

namespace AgentRelay.ProxyService.Endpoints;

/// <summary>
/// Runs one Messages request through the backend chain into the client's response, through the sink its API surface chose.
/// </summary>
/// <remarks>
/// <code>
///   client ── request ──► API surface ── MessagesRequest ──► relay ──► IBackendClient chain ──► backend
///   client ◄── SSE or JSON ── IResponseSink ◄─────────────── BackendEvent stream ◄────────────────┘
/// </code>
/// Steps: (0) wait for a concurrency slot, or refuse with 529; (1) call the backend with the sink as the response
/// commitment; (2) relay each event, recording the commit as soon as a byte reaches the client, and flush whenever the
/// backend has nothing more ready; (3) a failure item ends
/// the response (a whole error answer before commit, the sink's in-band error after); (4) the end of the stream completes
/// the response, or reports it incomplete; (5) a client that goes away cancels the chain, which cancels the backend call.
/// Every error answered as a whole response goes through <see cref="ErrorReporter.AnswerAsync"/>, in the surface's dialect.
/// </remarks>
public sealed class BackendRelay(IBackendClient backend, ConcurrencyGate gate, ErrorReporter errors)
{
    /// <param name="sink">How the response is written: the surface's choice for this request's stream decision.</param>
    public async Task RelayAsync(HttpContext context, MessagesRequest request, IResponseSink sink, CancellationToken cancellationToken)
    {
        var feature = context.Features.GetRequiredFeature<ProxyRequestFeature>();

        // :: Step 0: wait for a slot; it is held until the response is completely written, streams included.
        IAsyncDisposable? lease;
        try
        {
            (lease, var refusal) = await gate.EnterAsync(feature, cancellationToken);
            if (refusal is not null)
            {
                await errors.AnswerAsync(context, refusal);
                return;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client left the waiting room; the limiter already took it out of the queue.
            ReportDisconnect(feature);
            return;
        }

        await using (lease)
        {
            await CallAsync(context, feature, request, sink, cancellationToken);
        }
    }

    private async Task CallAsync(HttpContext context, ProxyRequestFeature feature, MessagesRequest request, IResponseSink sink, CancellationToken cancellationToken)
    {
        // :: Step 1: one event stream, several ways of writing it (the sink).
        var backendRequest = new BackendRequest(request, BackendHeaders.From(context.Request), feature, sink)
        {
            QueryString = context.Request.QueryString.Value ?? string.Empty,
        };

        try
        {
            await using var items = backend.StreamAsync(backendRequest, cancellationToken).GetAsyncEnumerator(cancellationToken);
            while (true)
            {
                // Events the backend already has (one upstream read holds many) are written together and sent in one
                // flush, made only when the backend has to wait: the client never waits for an event the proxy holds.
                var next = items.MoveNextAsync();
                var flushFailure = next.IsCompleted ? null : await FlushAsync(sink, cancellationToken);
                bool more;
                try
                {
                    more = await next;
                }
                finally
                {
                    // Raised only once the backend's step is over: an enumerator must not be disposed while it runs.
                    flushFailure?.Throw();
                }

                if (!more)
                {
                    break;
                }

                switch (items.Current)
                {
                    // :: Step 2: relay, and remember the moment the response became irrevocable.
                    case MessageStreamEvent streamEvent:
                        await sink.WriteAsync(streamEvent, cancellationToken);
                        feature.Committed = sink.Committed;
                        break;

                    case BackendSessionEvent session:
                        feature.BackendSessionId = session.SessionId;
                        break;

                    // :: Step 3: a failure ends the response in the client's dialect.
                    case BackendFailure failure when !sink.Committed:
                        await errors.AnswerAsync(context, failure);
                        return;

                    case BackendFailure failure:
                        errors.Report(feature, failure);
                        await sink.FailAsync(failure, cancellationToken);
                        return;
                }
            }

            // :: Step 4: a stream that stopped short is an error too, never a silently truncated answer.
            if (await sink.CompleteAsync(cancellationToken) is { } incomplete)
            {
                errors.Report(feature, incomplete);
            }

            feature.Committed = sink.Committed;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // :: Step 5: the client left; the token already cancelled the backend call.
            feature.Committed = sink.Committed;
            ReportDisconnect(feature);
        }
    }

    /// <summary>Flushes while the backend works on its next event; a failure is handed back to be raised after that.</summary>
    private static async ValueTask<ExceptionDispatchInfo?> FlushAsync(IResponseSink sink, CancellationToken cancellationToken)
    {
        try
        {
            await sink.FlushAsync(cancellationToken);
            return null;
        }
        catch (Exception exception)
        {
            return ExceptionDispatchInfo.Capture(exception);
        }
    }

    private void ReportDisconnect(ProxyRequestFeature feature) =>
        errors.Report(feature, ProxyError.ClientDisconnected, "client_disconnected", "The client closed the connection.", StatusCodes.Status499ClientClosedRequest);
}

using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;

namespace AgentRelay.ProxyService.Responses;

/// <summary>
/// Aggregates the events and writes one JSON body at the end; commits only when that write happens. The body and the
/// error shape are the Anthropic ones unless the caller's dialect says otherwise (<paramref name="shape"/>,
/// <paramref name="writeFailure"/>).
/// </summary>
public sealed class JsonResponseSink(
    HttpContext context,
    Func<JsonObject, JsonObject>? shape = null,
    Func<HttpContext, BackendFailure, Task>? writeFailure = null) : IResponseSink
{
    private readonly MessageAggregator _aggregator = new();

    public bool Committed { get; private set; }

    public ValueTask WriteAsync(MessageStreamEvent streamEvent, CancellationToken cancellationToken)
    {
        _aggregator.Add(streamEvent);
        return ValueTask.CompletedTask;
    }

    public async ValueTask<BackendFailure?> CompleteAsync(CancellationToken cancellationToken)
    {
        if (!_aggregator.Started || !_aggregator.Stopped)
        {
            var failure = EventStreamSink.Incomplete(_aggregator.Started
                ? "The upstream stream ended before message_stop."
                : "The upstream ended its response without a message.");
            await FailAsync(failure, cancellationToken);
            return failure;
        }

        Committed = true;
        var message = _aggregator.Build();
        await ErrorBodies.WriteJsonAsync(context, StatusCodes.Status200OK, shape?.Invoke(message) ?? message);
        return null;
    }

    /// <summary>An error answer carries no content, so it does not count as committed content.</summary>
    public async ValueTask FailAsync(BackendFailure failure, CancellationToken cancellationToken)
    {
        await (writeFailure ?? ErrorBodies.WriteFailureAsync)(context, failure);
    }

    public void Reset() => _aggregator.Reset();
}

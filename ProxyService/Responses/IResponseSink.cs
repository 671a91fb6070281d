using AgentRelay.ProxyService.Core;

namespace AgentRelay.ProxyService.Responses;

/// <summary>
/// Where the backend's events go: an SSE response or a JSON response built at the end. A sink is
/// <see cref="Committed"/> once any byte of the response has reached the client; from then on nothing may be replayed.
/// </summary>
public interface IResponseSink : IResponseCommitment
{
    /// <summary>Writes an event; a streaming sink may hold it until <see cref="FlushAsync"/> (or until enough is waiting).</summary>
    ValueTask WriteAsync(MessageStreamEvent streamEvent, CancellationToken cancellationToken);

    /// <summary>Sends what was written: called whenever the backend has no further event ready.</summary>
    ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>The backend finished; returns the failure written instead when the stream was incomplete.</summary>
    ValueTask<BackendFailure?> CompleteAsync(CancellationToken cancellationToken);

    /// <summary>The backend failed: a JSON error before commit, an in-band error after.</summary>
    ValueTask FailAsync(BackendFailure failure, CancellationToken cancellationToken);
}

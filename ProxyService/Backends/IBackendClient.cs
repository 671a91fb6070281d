using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;

namespace AgentRelay.ProxyService.Backends;

/// <summary>
/// The backend seam: one request in, one stream of <see cref="BackendEvent"/>s out. Failures are items of the
/// stream (<see cref="BackendFailure"/>), not exceptions; only cancellation throws. Cross-cutting concerns
/// (tracing, retries, concurrency) are <see cref="DelegatingBackendClient"/>s around the backend.
/// </summary>
public interface IBackendClient
{
    IAsyncEnumerable<BackendEvent> StreamAsync(BackendRequest request, CancellationToken cancellationToken);

    /// <summary>Answers <c>POST /v1/messages/count_tokens</c>.</summary>
    Task<JsonReply> CountTokensAsync(BackendRequest request, CancellationToken cancellationToken);
}

/// <summary>A complete JSON answer with its status.</summary>
public sealed record JsonReply(int Status, JsonObject Body);

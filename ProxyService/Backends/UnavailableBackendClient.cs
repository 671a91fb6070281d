using System.Runtime.CompilerServices;
using AgentRelay.ProxyService.Core;

namespace AgentRelay.ProxyService.Backends;

/// <summary>A backend that cannot serve: every request gets the same clear error.</summary>
public sealed class UnavailableBackendClient(BackendFailure failure) : IBackendClient
{
    public async IAsyncEnumerable<BackendEvent> StreamAsync(BackendRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask;
        yield return failure;
    }

    public Task<JsonReply> CountTokensAsync(BackendRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(TokenEstimator.Reply(request.Message));
}

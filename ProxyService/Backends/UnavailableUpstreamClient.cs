using System.Runtime.CompilerServices;
using AgentRelay.ProxyService.Core;

namespace AgentRelay.ProxyService.Backends;

/// <summary>A backend that cannot serve: every request gets the same clear error.</summary>
public sealed class UnavailableUpstreamClient(BackendFailure failure) : IUpstreamClient
{
    public async IAsyncEnumerable<BackendEvent> StreamAsync(UpstreamRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask;
        yield return failure;
    }

    public Task<JsonReply> CountTokensAsync(UpstreamRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(TokenEstimator.Reply(request.Message));
}

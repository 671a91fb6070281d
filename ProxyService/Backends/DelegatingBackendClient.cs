using AgentRelay.ProxyService.Core;

namespace AgentRelay.ProxyService.Backends;

/// <summary>The base of every decorator in the upstream chain: passes everything to <see cref="Inner"/>.</summary>
public abstract class DelegatingBackendClient(IBackendClient inner) : IBackendClient
{
    protected IBackendClient Inner { get; } = inner;

    public virtual IAsyncEnumerable<BackendEvent> StreamAsync(BackendRequest request, CancellationToken cancellationToken) =>
        Inner.StreamAsync(request, cancellationToken);

    public virtual Task<JsonReply> CountTokensAsync(BackendRequest request, CancellationToken cancellationToken) =>
        Inner.CountTokensAsync(request, cancellationToken);
}

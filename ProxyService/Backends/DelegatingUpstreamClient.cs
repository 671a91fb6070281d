using AgentRelay.ProxyService.Core;

namespace AgentRelay.ProxyService.Backends;

/// <summary>The base of every decorator in the upstream chain: passes everything to <see cref="Inner"/>.</summary>
public abstract class DelegatingUpstreamClient(IUpstreamClient inner) : IUpstreamClient
{
    protected IUpstreamClient Inner { get; } = inner;

    public virtual IAsyncEnumerable<BackendEvent> StreamAsync(UpstreamRequest request, CancellationToken cancellationToken) =>
        Inner.StreamAsync(request, cancellationToken);

    public virtual Task<JsonReply> CountTokensAsync(UpstreamRequest request, CancellationToken cancellationToken) =>
        Inner.CountTokensAsync(request, cancellationToken);
}

namespace AgentRelay.ProxyService.Backends;

/// <summary>
/// Composes the upstream chain. The first <see cref="Use"/> is the outermost wrapper, as in
/// Microsoft.Extensions.AI's ChatClientBuilder.
/// </summary>
public sealed class UpstreamClientBuilder(Func<IServiceProvider, IUpstreamClient> innerFactory)
{
    private readonly List<Func<IUpstreamClient, IServiceProvider, IUpstreamClient>> _decorators = [];

    public UpstreamClientBuilder Use(Func<IUpstreamClient, IServiceProvider, IUpstreamClient> decorator)
    {
        _decorators.Add(decorator);
        return this;
    }

    public IUpstreamClient Build(IServiceProvider services)
    {
        var client = innerFactory(services);
        for (var i = _decorators.Count - 1; i >= 0; i--)
        {
            client = _decorators[i](client, services);
        }

        return client;
    }
}

namespace AgentRelay.ProxyService.Backends;

/// <summary>
/// Composes the upstream chain. The first <see cref="Use"/> is the outermost wrapper, as in
/// Microsoft.Extensions.AI's ChatClientBuilder.
/// </summary>
public sealed class BackendClientBuilder(Func<IServiceProvider, IBackendClient> innerFactory)
{
    private readonly List<Func<IBackendClient, IServiceProvider, IBackendClient>> _decorators = [];

    public BackendClientBuilder Use(Func<IBackendClient, IServiceProvider, IBackendClient> decorator)
    {
        _decorators.Add(decorator);
        return this;
    }

    public IBackendClient Build(IServiceProvider services)
    {
        var client = innerFactory(services);
        for (var i = _decorators.Count - 1; i >= 0; i--)
        {
            client = _decorators[i](client, services);
        }

        return client;
    }
}

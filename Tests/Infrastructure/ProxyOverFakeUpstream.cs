namespace AgentRelay.Tests.Infrastructure;

/// <summary>
/// Base of test classes that talk to the in-process proxy with the AnthropicApi backend pointed at a fresh
/// <see cref="FakeAnthropicServer"/>; each test gets its own pair.
/// </summary>
public abstract class ProxyOverFakeUpstream : IAsyncLifetime
{
    protected FakeAnthropicServer Upstream { get; private set; } = null!;

    protected ProxyFactory Proxy { get; private set; } = null!;

    /// <summary>Extra settings for the proxy.</summary>
    protected virtual (string Key, string? Value)[] Settings => [];

    public async ValueTask InitializeAsync()
    {
        Upstream = await FakeAnthropicServer.StartAsync();
        Proxy = ProxyFactory.ForUpstream(Upstream, Settings);
    }

    public async ValueTask DisposeAsync()
    {
        await Proxy.DisposeAsync();
        await Upstream.DisposeAsync();
    }
}

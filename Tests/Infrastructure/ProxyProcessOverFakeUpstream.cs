namespace AgentRelay.Tests.Infrastructure;

/// <summary>
/// Base of end-to-end test classes: the real ProxyService process (AnthropicApi backend) in front of a fresh
/// <see cref="FakeAnthropicServer"/>, both on free loopback ports; each test gets its own pair.
/// </summary>
public abstract class ProxyProcessOverFakeUpstream : IAsyncLifetime
{
    protected FakeAnthropicServer Upstream { get; private set; } = null!;

    protected ProxyProcess Proxy { get; private set; } = null!;

    /// <summary>Extra settings for the proxy process.</summary>
    protected virtual IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>();

    public async ValueTask InitializeAsync()
    {
        Upstream = await FakeAnthropicServer.StartAsync();
        var settings = new Dictionary<string, string>(Settings)
        {
            ["Backend:Kind"] = "AnthropicApi",
            ["Backend:BaseUrl"] = Upstream.BaseUrl,
        };
        Proxy = await ProxyProcess.StartAsync(settings);
    }

    public async ValueTask DisposeAsync()
    {
        await Proxy.DisposeAsync();
        await Upstream.DisposeAsync();
    }
}

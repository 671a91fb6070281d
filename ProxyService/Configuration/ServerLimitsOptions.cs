namespace AgentRelay.ProxyService.Configuration;

/// <summary>
/// Kestrel's connection limits, set deliberately rather than left to Kestrel's defaults, so that slow or idle
/// clients cannot hold connections open (section <c>Kestrel:Limits</c>).
/// </summary>
public sealed class ServerLimitsOptions
{
    public const string SectionName = "Kestrel:Limits";

    /// <summary>The time a client has to send all its request headers; a slower one is disconnected.</summary>
    /// <value>Defaults to 10 seconds (Kestrel's own default is 30).</value>
    public TimeSpan RequestHeadersTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an idle keep-alive connection stays open.</summary>
    /// <value>Defaults to 2 minutes.</value>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Open connections at most; more are refused.</summary>
    /// <value>Defaults to 1000.</value>
    public long MaxConcurrentConnections { get; set; } = 1000;

    /// <summary>Upgraded (WebSocket) connections at most: the proxy has no WebSocket endpoint.</summary>
    /// <value>Defaults to 0.</value>
    public long MaxConcurrentUpgradedConnections { get; set; }

    /// <summary>The slowest accepted request body upload, after <see cref="MinRequestBodyGracePeriod"/>.</summary>
    /// <value>Defaults to 240 bytes per second.</value>
    public double MinRequestBodyBytesPerSecond { get; set; } = 240;

    /// <summary>How long a body upload may be slower than <see cref="MinRequestBodyBytesPerSecond"/>.</summary>
    /// <value>Defaults to 5 seconds.</value>
    public TimeSpan MinRequestBodyGracePeriod { get; set; } = TimeSpan.FromSeconds(5);
}

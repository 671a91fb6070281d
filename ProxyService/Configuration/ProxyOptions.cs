namespace AgentRelay.ProxyService.Configuration;

/// <summary>Settings of the <c>Proxy</c> section (see INTERFACE.md).</summary>
public sealed class ProxyOptions
{
    public const string SectionName = "Proxy";

    /// <summary>Adapter for requests no detection rule recognises.</summary>
    /// <value>Defaults to <c>opencode</c>.</value>
    public string DefaultAgent { get; set; } = "opencode";

    /// <summary>When set, every route but <c>/</c>, <c>/health</c>, <c>/alive</c> needs this key.</summary>
    /// <value>Defaults to unset: no authentication.</value>
    public string? ApiKey { get; set; }

    /// <summary>Requests in flight across all replicas. Env alias <c>MAX_CONCURRENT_SESSIONS</c>.</summary>
    /// <value>Defaults to 50.</value>
    public int MaxConcurrentSessions { get; set; } = 50;

    /// <summary>Requests allowed to wait for a slot before <c>529 overloaded_error</c>.</summary>
    /// <value>Defaults to 200.</value>
    public int MaxQueueLength { get; set; } = 200;

    /// <summary>How long one request may wait for a slot.</summary>
    /// <value>Defaults to 2 minutes.</value>
    public TimeSpan QueueTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Expiry of a concurrency lease in Redis; a killed replica's slots come back within it.</summary>
    /// <value>Defaults to 30 seconds.</value>
    public TimeSpan LeaseTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Detailed diagnosis logging (never secrets). Env alias <c>DEBUG_PROXY=true</c>.</summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool Debug { get; set; }

    /// <summary>Largest accepted request body; larger ones get 413 <c>request_too_large</c>.</summary>
    /// <value>Defaults to 32 MiB.</value>
    public long MaxRequestBodyBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>Origins allowed by CORS. Empty means no CORS headers at all.</summary>
    /// <value>Defaults to none.</value>
    public string[] CorsOrigins { get; set; } = [];
}

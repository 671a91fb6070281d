namespace AgentRelay.ProxyService.Configuration;

/// <summary>Which backend fulfils requests.</summary>
public enum BackendKind
{
    /// <summary>The <c>claude</c> CLI (a Claude Max subscription).</summary>
    ClaudeCli,

    /// <summary>Any Anthropic-compatible HTTP API.</summary>
    AnthropicApi,
}

/// <summary>Settings of the <c>Backend</c> section.</summary>
public sealed class BackendOptions
{
    public const string SectionName = "Backend";

    /// <value>Defaults to <see cref="BackendKind.ClaudeCli"/>.</value>
    public BackendKind Kind { get; set; } = BackendKind.ClaudeCli;

    /// <summary>The CLI executable.</summary>
    /// <value>Defaults to <c>claude</c>, looked up on PATH.</value>
    public string ClaudePath { get; set; } = "claude";

    /// <summary>Extra environment for the CLI process; inherited <c>ANTHROPIC_*</c> variables are stripped, these are not.</summary>
    public Dictionary<string, string> Environment { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Origin of the upstream for <see cref="BackendKind.AnthropicApi"/>, without <c>/v1</c>.</summary>
    public string? BaseUrl { get; set; }

    /// <summary>
    /// The longest the backend may stay silent (no event) before the request is given up with <c>504 timeout_error</c>
    /// and the backend call (the CLI process) is ended.
    /// </summary>
    /// <value>Defaults to 5 minutes.</value>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Key sent upstream as <c>x-api-key</c>. Unset: the client's own credentials are forwarded,
    /// unless <c>Proxy:ApiKey</c> is set (then they are the proxy's, and nothing is forwarded).</summary>
    public string? ApiKey { get; set; }
}

namespace AgentRelay.ProxyService.Configuration;

/// <summary>Settings of the <c>Retry</c> section: rate-limit and overload retries.</summary>
public sealed class RetryOptions
{
    public const string SectionName = "Retry";

    /// <summary>Retries after the first attempt.</summary>
    /// <value>Defaults to 3.</value>
    public int MaxRetries { get; set; } = 3;

    /// <summary>Delay before retry n is <c>BaseDelay × 2^(n-1)</c> plus jitter.</summary>
    /// <value>Defaults to 2 seconds.</value>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Upper bound of any delay, an upstream <c>Retry-After</c> included.</summary>
    /// <value>Defaults to 30 seconds.</value>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(30);
}

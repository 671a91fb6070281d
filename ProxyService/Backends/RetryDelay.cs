using AgentRelay.ProxyService.Configuration;

namespace AgentRelay.ProxyService.Backends;

/// <summary>How long to wait before retry <c>n</c> (1-based).</summary>
public static class RetryDelay
{
    /// <summary>Jitter adds up to this share of the exponential delay, so replicas that failed together spread out.</summary>
    public const double JitterShare = 0.2;

    /// <summary>
    /// <c>BaseDelay × 2^(n-1)</c> plus up to 20 % jitter; an upstream <c>Retry-After</c> replaces it. Either way capped by
    /// <c>MaxDelay</c>.
    /// </summary>
    public static TimeSpan For(int retry, RetryOptions options, TimeSpan? retryAfter, double jitter)
    {
        if (retryAfter is { } requested)
        {
            return requested < TimeSpan.Zero ? TimeSpan.Zero : Min(requested, options.MaxDelay);
        }

        var exponential = options.BaseDelay.TotalMilliseconds * Math.Pow(2, retry - 1);
        var withJitter = exponential * (1 + (JitterShare * Math.Clamp(jitter, 0, 1)));
        return Min(TimeSpan.FromMilliseconds(Math.Min(withJitter, TimeSpan.MaxValue.TotalMilliseconds / 2)), options.MaxDelay);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}

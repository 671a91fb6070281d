namespace AgentRelay.ProxyService.Backends;

/// <summary>The randomness of retry delays, injectable so tests are deterministic.</summary>
public class RetryJitter
{
    /// <summary>A value in [0, 1).</summary>
    public virtual double Next() => Random.Shared.NextDouble();
}

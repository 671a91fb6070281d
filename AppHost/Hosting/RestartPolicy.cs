namespace AgentRelay.AppHost.Hosting;

/// <summary>
/// Exponential backoff for crashed processes: 1 s, 2 s, 4 s … up to <see cref="MaxDelay"/>. A process that stayed up
/// for <see cref="StableAfter"/> starts again from the first step.
/// </summary>
public sealed record RestartPolicy
{
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan StableAfter { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The wait before restart number <paramref name="consecutiveFailures"/> (1-based) of a run of quick crashes.</summary>
    public TimeSpan DelayFor(int consecutiveFailures)
    {
        var exponent = Math.Clamp(consecutiveFailures - 1, 0, 30);
        var delay = BaseDelay * Math.Pow(2, exponent);
        return delay > MaxDelay ? MaxDelay : delay;
    }
}

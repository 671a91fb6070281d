namespace AgentRelay.AppHost.Hosting;

/// <summary>
/// Exponential backoff for crashed resources: 1 s, 2 s, 4 s … up to <see cref="MaxDelay"/>. A resource that stayed up
/// for <see cref="StableAfter"/> starts again from the first step.
/// </summary>
public sealed record RestartBackoff
{
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan StableAfter { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The wait before restart number <paramref name="consecutiveCrashes"/> (1-based) of a run of quick crashes.</summary>
    public TimeSpan DelayFor(int consecutiveCrashes)
    {
        var delay = BaseDelay * Math.Pow(2, Math.Clamp(consecutiveCrashes - 1, 0, 30));
        return delay > MaxDelay ? MaxDelay : delay;
    }
}

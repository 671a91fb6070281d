namespace AgentRelay.AppHost.Hosting;

/// <summary>What the console view and the dashboard show for one running thing (a resource or one replica of it).</summary>
public sealed record ResourceSnapshot
{
    public required string Name { get; init; }

    /// <summary>The resource in the app model (<c>proxy</c> for <c>proxy-0</c>).</summary>
    public required string Resource { get; init; }

    public required string Type { get; init; }

    public string State { get; init; } = ResourceStates.Waiting;

    public string? Url { get; init; }

    public int? Pid { get; init; }

    public int Restarts { get; init; }

    public int? ExitCode { get; init; }

    public string? Detail { get; init; }

    public DateTimeOffset? StartedAt { get; init; }
}

/// <summary>The values of <see cref="ResourceSnapshot.State"/>.</summary>
public static class ResourceStates
{
    public const string Waiting = "Waiting";
    public const string Starting = "Starting";
    public const string Running = "Running";
    public const string Unhealthy = "Unhealthy";
    public const string Restarting = "Restarting";
    public const string Stopping = "Stopping";
    public const string Stopped = "Stopped";
    public const string NotAvailable = "NotAvailable";
    public const string FailedToStart = "FailedToStart";
}

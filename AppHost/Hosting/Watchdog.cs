using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentRelay.AppHost.Hosting;

/// <summary>
/// Restarts a supervised resource (a proxy replica, Redis) that exited without being asked to, after
/// <see cref="RestartBackoff"/>. Aspire leaves such a resource Finished. Each restart is a line on the AppHost's console
/// and in the resource's own log in the dashboard, and the count is a property of the resource there. A resource
/// stopped on purpose (it went through Stopping, e.g. the dashboard's Stop) is left alone, as is everything while the
/// AppHost shuts down.
/// </summary>
public sealed partial class Watchdog(
    ResourceNotificationService notifications,
    ResourceCommandService commands,
    ResourceLoggerService resourceLogs,
    IHostApplicationLifetime lifetime,
    ILogger<Watchdog> logger) : BackgroundService
{
    public const string RestartsProperty = "watchdog.restarts";

    private static readonly string[] s_exited = [KnownResourceStates.Exited, KnownResourceStates.Finished, KnownResourceStates.FailedToStart];

    private readonly ConcurrentDictionary<string, Supervised> _resources = new(StringComparer.Ordinal);

    public RestartBackoff Backoff { get; init; } = new();

    /// <summary>Whether the watchdog looks after <paramref name="resource"/>.</summary>
    public static bool Supervises(IResource resource) =>
        resource is ProjectResource { Name: var name } && name.StartsWith("proxy", StringComparison.Ordinal)
        || resource is RedisServerResource or RedisResource;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var update in notifications.WatchAsync(stoppingToken))
        {
            if (!Supervises(update.Resource))
            {
                continue;
            }

            var state = update.Snapshot.State?.Text;
            var supervised = _resources.GetOrAdd(update.ResourceId, _ => new Supervised());
            var previous = supervised.State;
            supervised.State = state;
            if (state == KnownResourceStates.Running && previous != KnownResourceStates.Running)
            {
                supervised.RunningSince = DateTimeOffset.UtcNow;
            }

            var crashed = s_exited.Contains(state) && previous is not null && !s_exited.Contains(previous)
                && previous != KnownResourceStates.Stopping && !lifetime.ApplicationStopping.IsCancellationRequested;
            if (crashed)
            {
                _ = RestartAsync(update.Resource, update.ResourceId, supervised, update.Snapshot.ExitCode, stoppingToken);
            }
        }
    }

    private async Task RestartAsync(IResource resource, string resourceId, Supervised supervised, int? exitCode, CancellationToken stoppingToken)
    {
        var upFor = supervised.RunningSince is { } since ? DateTimeOffset.UtcNow - since : TimeSpan.Zero;
        supervised.ConsecutiveCrashes = upFor >= Backoff.StableAfter ? 1 : supervised.ConsecutiveCrashes + 1;
        var restarts = ++supervised.Restarts;
        var delay = Backoff.DelayFor(supervised.ConsecutiveCrashes);
        var exit = exitCode?.ToString(CultureInfo.InvariantCulture) ?? "unknown";
        LogCrash(logger, resourceId, exit, upFor.TotalSeconds, restarts, delay.TotalSeconds);
        LogCrash(resourceLogs.GetLogger(resourceId), resourceId, exit, upFor.TotalSeconds, restarts, delay.TotalSeconds);
        await notifications.PublishUpdateAsync(resource, resourceId, snapshot => snapshot with
        {
            Properties = [.. snapshot.Properties.Where(p => p.Name != RestartsProperty), new ResourcePropertySnapshot(RestartsProperty, restarts)],
        });

        try
        {
            await Task.Delay(delay, stoppingToken);
            if (lifetime.ApplicationStopping.IsCancellationRequested || !s_exited.Contains(supervised.State))
            {
                return;
            }

            var result = await commands.ExecuteCommandAsync(resourceId, KnownResourceCommands.StartCommand, stoppingToken);
            if (!result.Success)
            {
                LogRestartFailed(logger, resourceId, result.Message ?? "no reason given");
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private sealed class Supervised
    {
        public string? State { get; set; }

        public DateTimeOffset? RunningSince { get; set; }

        public int ConsecutiveCrashes { get; set; }

        public int Restarts { get; set; }
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning,
        Message = "{Resource} exited unexpectedly (exit code {ExitCode}) after {UpSeconds:0.#} s; restart {Restarts} in {DelaySeconds:0.#} s.")]
    private static partial void LogCrash(ILogger logger, string resource, string exitCode, double upSeconds, int restarts, double delaySeconds);

    [LoggerMessage(EventId = 11, Level = LogLevel.Error, Message = "Restarting {Resource} failed: {Reason}.")]
    private static partial void LogRestartFailed(ILogger logger, string resource, string reason);
}

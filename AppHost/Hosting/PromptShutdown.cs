using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentRelay.AppHost.Hosting;

/// <summary>
/// Makes Ctrl+C / SIGTERM stop the projects within seconds. The orchestrator runs each project through
/// <c>dotnet run</c>, which does not pass SIGTERM on: the orchestrator waits for it, kills it, and the service itself
/// is then killed without a graceful stop (13-17 s in all). So when the AppHost starts stopping, this sends SIGTERM
/// straight to each project's own process (the child of that <c>dotnet run</c>), waits up to
/// <see cref="GracePeriod"/> for them, and lets the orchestrator find them already gone. Linux only (it reads /proc);
/// elsewhere the orchestrator's own stop applies.
/// </summary>
public sealed partial class PromptShutdown(ResourceNotificationService notifications, IHostApplicationLifetime lifetime, ILogger<PromptShutdown> logger)
    : BackgroundService
{
    private const string PidProperty = "executable.pid";

    public static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, int> _launcherPids = new(StringComparer.Ordinal);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsLinux())
        {
            lifetime.ApplicationStopping.Register(StopProjects);
        }

        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var update in notifications.WatchAsync(stoppingToken))
        {
            if (update.Resource is ProjectResource
                && update.Snapshot.Properties.FirstOrDefault(p => p.Name == PidProperty)?.Value is { } value
                && int.TryParse(Convert.ToString(value, CultureInfo.InvariantCulture), CultureInfo.InvariantCulture, out var pid))
            {
                _launcherPids[update.ResourceId] = pid;
            }
        }
    }

    private void StopProjects()
    {
        var services = _launcherPids.Values.SelectMany(ChildrenOf).Distinct().ToList();
        foreach (var pid in services)
        {
            _ = kill(pid, Sigterm);
        }

        var deadline = DateTime.UtcNow + GracePeriod;
        while (services.Any(IsAlive) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(50);
        }

        LogStopped(logger, services.Count, services.Count(pid => !IsAlive(pid)));
    }

    /// <summary>Processes whose parent is <paramref name="parent"/>, from <c>/proc/*/stat</c>.</summary>
    public static IEnumerable<int> ChildrenOf(int parent)
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), CultureInfo.InvariantCulture, out var pid) && ParentOf(pid) == parent)
            {
                yield return pid;
            }
        }
    }

    private static int? ParentOf(int pid)
    {
        try
        {
            // "pid (comm) state ppid …": comm may contain spaces and parentheses, so read after the last ')'.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1], CultureInfo.InvariantCulture);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    private static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}") && !IsZombie(pid);

    private static bool IsZombie(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] == 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    private const int Sigterm = 15;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Stopping: asked {Count} services to stop; {Stopped} stopped within the grace period.")]
    private static partial void LogStopped(ILogger logger, int count, int stopped);
}

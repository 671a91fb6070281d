using AgentRelay.ProxyService.Configuration;
using Microsoft.Extensions.Options;

namespace AgentRelay.ProxyService.Backends.ClaudeCli;

/// <summary>
/// Keeps the CLI transcripts the proxy owns (those it wrote, and those of the sessions it ran) within
/// <c>Sessions:Ttl</c> of their last use and within <c>Sessions:TranscriptBudgetBytes</c> on disk, oldest first. Each is
/// tracked by a marker file under the CLI's own HOME (<c>.agentrelay/transcripts/&lt;session id&gt;</c>, holding the
/// transcript's path, its time the last use), so a restarted proxy still cleans up, and no transcript it did not
/// create (the user's own Claude Code sessions, when HOME is shared) is ever touched.
/// </summary>
public sealed partial class CliTranscriptJanitor(
    IOptionsMonitor<SessionsOptions> sessions,
    IOptionsMonitor<BackendOptions> backend,
    TimeProvider time,
    ILogger<CliTranscriptJanitor> logger) : BackgroundService
{
    public static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(10);

    private int _sinceSweep;

    /// <summary>The CLI's HOME: <c>Backend:Environment:HOME</c>, else the proxy's own.</summary>
    public static string HomeOf(BackendOptions options) =>
        options.Environment.TryGetValue("HOME", out var home) && !string.IsNullOrWhiteSpace(home)
            ? home
            : Environment.GetEnvironmentVariable("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    public static string MarkerDirectory(string home) => Path.Combine(home, ".agentrelay", "transcripts");

    /// <summary>Records a use of the transcript at <paramref name="path"/> (session <paramref name="sessionId"/>).</summary>
    public void Track(string home, string sessionId, string path)
    {
        try
        {
            var markers = MarkerDirectory(home);
            Directory.CreateDirectory(markers);
            File.WriteAllText(Path.Combine(markers, sessionId), path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            Log.TrackFailed(logger, sessionId, exception.Message);
        }

        // Many new transcripts between two sweeps: sweep early, the budget is a bound.
        if (Interlocked.Increment(ref _sinceSweep) >= 256)
        {
            _ = Task.Run(() => Sweep(home));
        }
    }

    /// <summary>Deletes expired transcripts, then the oldest until the rest fit the budget; returns how many went.</summary>
    public int Sweep(string home)
    {
        Interlocked.Exchange(ref _sinceSweep, 0);
        var markers = MarkerDirectory(home);
        if (!Directory.Exists(markers))
        {
            return 0;
        }

        var options = sessions.CurrentValue;
        var projects = Path.GetFullPath(Path.Combine(home, ".claude", "projects")) + Path.DirectorySeparatorChar;
        var now = time.GetUtcNow();
        var live = new List<(FileInfo Marker, string? Path, long Size)>();
        var deleted = 0;
        foreach (var marker in new DirectoryInfo(markers).EnumerateFiles())
        {
            string? path;
            try
            {
                path = Path.GetFullPath(File.ReadAllText(marker.FullName).Trim());
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException)
            {
                path = null;
            }

            // Only ever a transcript under the CLI's projects directory.
            path = path is not null && path.StartsWith(projects, StringComparison.Ordinal) ? path : null;
            if (path is null || now - marker.LastWriteTimeUtc > options.Ttl)
            {
                deleted += Delete(marker, path);
                continue;
            }

            live.Add((marker, path, File.Exists(path) ? new FileInfo(path).Length : 0));
        }

        var total = live.Sum(entry => entry.Size);
        foreach (var (marker, path, size) in live.OrderBy(entry => entry.Marker.LastWriteTimeUtc))
        {
            if (total <= options.TranscriptBudgetBytes)
            {
                break;
            }

            deleted += Delete(marker, path);
            total -= size;
        }

        if (deleted > 0)
        {
            Log.Swept(logger, deleted, total);
        }

        return deleted;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(SweepInterval, time);
        do
        {
            try
            {
                Sweep(HomeOf(backend.CurrentValue));
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                Log.SweepFailed(logger, exception.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private int Delete(FileInfo marker, string? path)
    {
        try
        {
            if (path is not null)
            {
                File.Delete(path);
            }

            marker.Delete();
            return 1;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            Log.SweepFailed(logger, exception.Message);
            return 0;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 6030, Level = LogLevel.Information, Message = "Deleted {Count} CLI transcripts past Sessions:Ttl or over the disk budget; {Bytes} bytes kept")]
        public static partial void Swept(ILogger logger, int count, long bytes);

        [LoggerMessage(EventId = 6031, Level = LogLevel.Warning, Message = "CLI transcript cleanup: {Reason}")]
        public static partial void SweepFailed(ILogger logger, string reason);

        [LoggerMessage(EventId = 6032, Level = LogLevel.Warning, Message = "CLI transcript {SessionId} could not be tracked for cleanup: {Reason}")]
        public static partial void TrackFailed(ILogger logger, string sessionId, string reason);
    }
}

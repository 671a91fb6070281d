using System.Diagnostics;
using System.Globalization;

namespace AgentRelay.AppHost.Hosting;

/// <summary>
/// Runs one process for as long as the AppHost runs: starts it, waits for it to be ready, and when it dies restarts it
/// after an exponential backoff, publishing every step (the reference shipped a shell supervisor for this). Stopping
/// sends SIGTERM, then SIGKILL to the process tree after the timeout.
/// </summary>
public sealed class SupervisedProcess(
    string name,
    Func<ProcessStartInfo> startInfo,
    Func<CancellationToken, Task<bool>> readinessProbe,
    ResourceNotificationService notifications,
    ConsoleLog console,
    AppHostOptions options)
{
    private readonly TaskCompletionSource<bool> _firstReady = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes with <see langword="true"/> the first time the process is ready, <see langword="false"/> if it never was.</summary>
    public Task<bool> FirstReady => _firstReady.Task;

    public async Task RunAsync(CancellationToken stopping)
    {
        var consecutiveFailures = 0;
        var restarts = 0;
        while (!stopping.IsCancellationRequested)
        {
            var started = Stopwatch.StartNew();
            var process = TryStart(restarts);
            if (process is not null)
            {
                await WatchAsync(process, stopping);
                // Ctrl+C reaches the whole process group, so a child may exit a moment before the AppHost's own
                // shutdown begins: that is a stop, not a crash to restart.
                await Task.Delay(ShutdownGrace, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (stopping.IsCancellationRequested)
                {
                    break;
                }
            }

            consecutiveFailures = started.Elapsed >= options.Restart.StableAfter ? 1 : consecutiveFailures + 1;
            restarts++;
            var delay = options.Restart.DelayFor(consecutiveFailures);
            var exitCode = process is null ? (int?)null : process.ExitCode;
            notifications.Update(name, s => s with
            {
                State = ResourceStates.Restarting,
                Pid = null,
                Restarts = restarts,
                ExitCode = exitCode,
                Detail = process is null
                    ? $"could not start; restart {restarts} in {Seconds(delay)}"
                    : $"exited with code {exitCode} after {Seconds(started.Elapsed)}; restart {restarts} in {Seconds(delay)}",
            });
            process?.Dispose();
            await Task.Delay(delay, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _firstReady.TrySetResult(false);
        notifications.Update(name, s => s with { State = ResourceStates.Stopped, Pid = null, Detail = null });
    }

    private Process? TryStart(int restarts)
    {
        var info = startInfo();
        info.UseShellExecute = false;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.RedirectStandardInput = false;
        try
        {
            var process = new Process { StartInfo = info, EnableRaisingEvents = true };
            process.OutputDataReceived += (_, e) => Capture(e.Data, isError: false);
            process.ErrorDataReceived += (_, e) => Capture(e.Data, isError: true);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            notifications.Update(name, s => s with
            {
                State = ResourceStates.Starting, Pid = process.Id, Restarts = restarts, StartedAt = DateTimeOffset.UtcNow, Detail = null,
            });
            return process;
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            console.Add(name, true, $"could not start {info.FileName}: {exception.Message}");
            notifications.Update(name, s => s with { State = ResourceStates.FailedToStart, Detail = exception.Message });
            return null;
        }
    }

    private static readonly TimeSpan ShutdownGrace = TimeSpan.FromMilliseconds(300);

    /// <summary>A process that is up but not ready for this long is shown as unhealthy, with the reason to look for.</summary>
    private static readonly TimeSpan UnhealthyAfter = TimeSpan.FromSeconds(10);

    /// <summary>Until the process exits or the AppHost stops; on stop, stops the process.</summary>
    private async Task WatchAsync(Process process, CancellationToken stopping)
    {
        var exited = process.WaitForExitAsync(CancellationToken.None);
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var health = MonitorHealthAsync(exited, watching.Token);
        await Task.WhenAny(exited, Task.Delay(Timeout.Infinite, stopping));
        await watching.CancelAsync();
        await health;
        if (stopping.IsCancellationRequested)
        {
            notifications.Update(name, s => s with { State = ResourceStates.Stopping, Detail = null });
            await ProcessSignals.StopAsync(process, options.ShutdownTimeout);
        }

        // Let the output readers drain what the process wrote last (its crash message).
        await process.WaitForExitAsync(CancellationToken.None);
    }

    /// <summary>
    /// Probes readiness for the whole life of the process: Starting until the first pass, then Running; a process that
    /// is not ready for <see cref="UnhealthyAfter"/> (e.g. the proxy without its backend) shows as Unhealthy, and goes
    /// back to Running when the probe passes again.
    /// </summary>
    private async Task MonitorHealthAsync(Task exited, CancellationToken cancellationToken)
    {
        var notReadySince = Stopwatch.StartNew();
        var shown = ResourceStates.Starting;
        while (!cancellationToken.IsCancellationRequested && !exited.IsCompleted)
        {
            bool ready;
            try
            {
                ready = await readinessProbe(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            if (ready)
            {
                notReadySince.Restart();
                _firstReady.TrySetResult(true);
            }

            var state = ready ? ResourceStates.Running
                : notReadySince.Elapsed >= UnhealthyAfter ? ResourceStates.Unhealthy
                : shown;
            if (state != shown && !exited.IsCompleted && !cancellationToken.IsCancellationRequested)
            {
                shown = state;
                notifications.Update(name, s => s with
                {
                    State = state,
                    Detail = state == ResourceStates.Unhealthy ? $"not ready for {Seconds(notReadySince.Elapsed)}: its health check fails (see its /health)" : null,
                });
            }

            var interval = ready ? TimeSpan.FromSeconds(2) : TimeSpan.FromMilliseconds(200);
            await Task.Delay(interval, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private void Capture(string? line, bool isError)
    {
        if (line is not null)
        {
            console.Add(name, isError, line);
        }
    }

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s";
}

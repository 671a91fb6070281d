using System.Diagnostics;

namespace AgentRelay.Tests.Infrastructure;

/// <summary>Process checks by PID (Linux <c>/proc</c>), and clean-up of what a test started, by PID only.</summary>
public static class Processes
{
    /// <summary>
    /// Runs a process to its end with its output captured, writing <paramref name="input"/> (or nothing) to its stdin.
    /// One that outlives <paramref name="timeout"/> is killed with its process tree, by its own id, and reported as
    /// exit code -1.
    /// </summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(ProcessStartInfo start, TimeSpan timeout, string? input = null)
    {
        start.UseShellExecute = false;
        start.RedirectStandardInput = true;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        var cancellation = TestContext.Current.CancellationToken;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellation);
        var stderr = process.StandardError.ReadToEndAsync(cancellation);
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }

        process.StandardInput.Close();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            return (-1, await stdout, "timed out after " + timeout + "\n" + await stderr);
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>The state letter from <c>/proc/PID/stat</c> (R, S, D, Z, …), or <see langword="null"/> when there is no such process.</summary>
    public static char? State(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var afterName = stat.LastIndexOf(')');
            return afterName > 0 && afterName + 2 < stat.Length ? stat[afterName + 2] : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Gone entirely: no process and no zombie left to reap.</summary>
    public static bool IsGone(int pid) => State(pid) is null;

    /// <summary>Not running any more (a zombie whose parent is not ours counts as stopped).</summary>
    public static bool IsStopped(int pid) => State(pid) is null or 'Z' or 'X';

    /// <summary>Waits until <paramref name="condition"/> holds; returns how long it took, or <see langword="null"/> on timeout.</summary>
    public static async Task<TimeSpan?> WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            if (condition())
            {
                return watch.Elapsed;
            }

            await Task.Delay(20);
        }

        return condition() ? watch.Elapsed : null;
    }

    /// <summary>Kills a process this test started, if it still runs (never by name).</summary>
    public static void KillIfRunning(int pid)
    {
        if (IsStopped(pid))
        {
            return;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
        }
        catch (ArgumentException)
        {
        }
        catch (InvalidOperationException)
        {
        }
    }
}

using System.Diagnostics;
using System.Runtime.InteropServices;

namespace AgentRelay.AppHost.Hosting;

/// <summary>
/// Graceful stop: SIGTERM first (ASP.NET Core and redis-server both shut down cleanly on it), then, after the timeout,
/// SIGKILL to the whole process tree so nothing is left behind.
/// </summary>
public static partial class ProcessSignals
{
    private const int SigTerm = 15;

    public static async Task StopAsync(Process process, TimeSpan timeout)
    {
        if (HasExited(process))
        {
            return;
        }

        if (OperatingSystem.IsWindows() || kill(process.Id, SigTerm) != 0)
        {
            process.Kill(entireProcessTree: true);
        }

        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }
    }

    public static bool HasExited(Process process)
    {
        try
        {
            return process.HasExited;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    [DllImport("libc", SetLastError = true)]
#pragma warning disable SA1300, IDE1006 // The libc name.
    private static extern int kill(int pid, int signal);
#pragma warning restore SA1300, IDE1006
}

using System.Diagnostics;
using System.Globalization;

namespace AgentRelay.Tests.AppHost;

/// <summary>Linux process facts from /proc: a process's children, whether it still runs.</summary>
public static class ProcessTree
{
    public static IReadOnlyList<int> ChildrenOf(int parent) =>
        [.. Directory.EnumerateDirectories("/proc")
            .Select(directory => int.TryParse(Path.GetFileName(directory), CultureInfo.InvariantCulture, out var pid) ? pid : 0)
            .Where(pid => pid > 0 && ParentOf(pid) == parent)];

    public static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for every one of <paramref name="pids"/> to be gone; returns those still running.</summary>
    public static async Task<int[]> WaitForExitAsync(IEnumerable<int> pids, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        int[] running;
        while ((running = [.. pids.Where(IsRunning)]).Length > 0 && clock.Elapsed < timeout)
        {
            await Task.Delay(100);
        }

        return running;
    }

    private static int? ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
        }
        catch (Exception exception) when (exception is IOException or FormatException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }
}

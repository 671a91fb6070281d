using System.Diagnostics;
using System.Globalization;

namespace AgentRelay.Bench;

/// <summary>A process's memory as the kernel and the runtime see it, and its CPU time.</summary>
public static class ProcessMemory
{
    /// <summary>VmRSS and VmHWM (peak RSS) from /proc/&lt;pid&gt;/status, in bytes; null where /proc is missing.</summary>
    public static (long Rss, long PeakRss)? Read(int processId)
    {
        var path = $"/proc/{processId}/status";
        if (!File.Exists(path))
        {
            return null;
        }

        long rss = 0, peak = 0;
        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kilobytes(line);
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kilobytes(line);
            }
        }

        return (rss, peak);

        static long Kilobytes(string line) =>
            1024 * long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    /// <summary>Private bytes (the runtime's view: <see cref="Process.PrivateMemorySize64"/>, VmData+stack on Linux).</summary>
    public static long ReadPrivateBytes(int processId)
    {
        using var process = Process.GetProcessById(processId);
        return process.PrivateMemorySize64;
    }

    /// <summary>User + system CPU time the process has used so far.</summary>
    public static TimeSpan ReadCpuTime(int processId)
    {
        using var process = Process.GetProcessById(processId);
        return process.TotalProcessorTime;
    }
}

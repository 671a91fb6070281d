using System.Collections.Concurrent;
using System.Diagnostics;
using AgentRelay.ProxyService.Telemetry;

namespace AgentRelay.ProxyService.Backends.ClaudeCli.Runtime;

/// <summary>
/// Every CLI process the proxy started and has not reaped yet. When the host stops, whatever still runs is killed with
/// its process tree, so no CLI outlives the proxy. Also keeps the ids of recent processes (for diagnosis and tests).
/// </summary>
public sealed class CliProcessRegistry : IDisposable
{
    private const int HistorySize = 256;

    private readonly ConcurrentDictionary<int, Process> _running = new();
    private readonly ConcurrentQueue<int> _recent = new();

    /// <summary>Processes started and not yet reaped.</summary>
    public int RunningCount => _running.Count;

    /// <summary>Ids of the most recently started processes, oldest first.</summary>
    public IReadOnlyList<int> RecentIds => [.. _recent];

    internal void Add(Process process)
    {
        _running[process.Id] = process;
        ProxyInstrumentation.CliProcessesLive.Add(1);
        _recent.Enqueue(process.Id);
        while (_recent.Count > HistorySize && _recent.TryDequeue(out _))
        {
        }
    }

    internal void Remove(int id)
    {
        if (_running.TryRemove(id, out _))
        {
            ProxyInstrumentation.CliProcessesLive.Add(-1);
        }
    }

    public void Dispose()
    {
        foreach (var (id, process) in _running)
        {
            try
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(TimeSpan.FromSeconds(2));
            }
            catch (Exception exception) when (exception is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Already gone.
            }

            Remove(id);
        }
    }
}

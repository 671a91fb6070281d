using AgentRelay.ProxyService.Configuration;
using AgentRelay.ProxyService.Telemetry;
using Microsoft.Extensions.Options;

namespace AgentRelay.ProxyService.Backends.ClaudeCli.Runtime;

/// <summary>
/// CLI processes started ahead for new conversations: <c>Sessions:PoolSize</c> per <see cref="CliSpawn.Key"/> (what can
/// only be set at spawn), refilled in the background after one is taken. A pooled process has received nothing yet:
/// the request writes <c>initialize</c> (system prompt, tools) and its turn. Only the most recently wanted
/// <see cref="MaxKeys"/> keys are kept.
/// </summary>
public sealed partial class CliProcessPool(
    IOptionsMonitor<SessionsOptions> options,
    CliProcessRegistry registry,
    ILogger<CliProcessPool> logger) : IAsyncDisposable, IDisposable
{
    /// <summary>Spawn keys pooled at once; a request with a new key pushes out the least recently wanted one.</summary>
    public const int MaxKeys = 4;

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly List<Task> _refills = [];
    private long _clock;
    private bool _disposed;

    /// <summary>Processes waiting in the pool.</summary>
    public int Count
    {
        get
        {
            lock (_entries)
            {
                return _entries.Values.Sum(e => e.Processes.Count);
            }
        }
    }

    /// <summary>A started process for <paramref name="spawn"/>, or <see langword="null"/> when none is ready.</summary>
    public CliProcess? Take(CliSpawn spawn)
    {
        var dead = new List<CliProcess>();
        CliProcess? taken = null;
        lock (_entries)
        {
            if (_entries.TryGetValue(spawn.Key, out var entry))
            {
                entry.LastWanted = ++_clock;
                while (taken is null && entry.Processes.TryDequeue(out var process))
                {
                    ProxyInstrumentation.CliProcessesPooled.Add(-1);
                    if (process.HasExited)
                    {
                        dead.Add(process);
                    }
                    else
                    {
                        taken = process;
                    }
                }
            }
        }

        foreach (var process in dead)
        {
            _ = process.DisposeAsync().AsTask();
        }

        return taken;
    }

    /// <summary>Tops the pool for <paramref name="spawn"/> up to <c>Sessions:PoolSize</c>, in the background.</summary>
    public void Refill(CliSpawn spawn)
    {
        var size = options.CurrentValue.PoolSize;
        if (size == 0)
        {
            return;
        }

        var pushedOut = new List<CliProcess>();
        lock (_entries)
        {
            if (_disposed)
            {
                return;
            }

            if (!_entries.TryGetValue(spawn.Key, out var entry))
            {
                entry = _entries[spawn.Key] = new Entry(spawn);
                if (_entries.Count > MaxKeys)
                {
                    var oldest = _entries.Values.Where(e => !e.Refilling).MinBy(e => e.LastWanted);
                    if (oldest is not null && oldest != entry)
                    {
                        _entries.Remove(oldest.Spawn.Key);
                        pushedOut.AddRange(oldest.Processes);
                        ProxyInstrumentation.CliProcessesPooled.Add(-oldest.Processes.Count);
                    }
                }
            }

            entry.LastWanted = ++_clock;
            if (!entry.Refilling && entry.Processes.Count < size)
            {
                entry.Refilling = true;
                _refills.RemoveAll(t => t.IsCompleted);
                _refills.Add(Task.Run(() => Fill(entry)));
            }
        }

        foreach (var process in pushedOut)
        {
            _ = process.DisposeAsync().AsTask();
        }
    }

    /// <summary>For a container disposed synchronously.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        List<CliProcess> all;
        Task[] refills;
        lock (_entries)
        {
            _disposed = true;
            all = [.. _entries.Values.SelectMany(e => e.Processes)];
            ProxyInstrumentation.CliProcessesPooled.Add(-all.Count);
            _entries.Clear();
            refills = [.. _refills];
        }

        await Task.WhenAll(refills);
        await Task.WhenAll(all.Select(p => p.DisposeAsync().AsTask()));
    }

    private void Fill(Entry entry)
    {
        try
        {
            while (true)
            {
                lock (_entries)
                {
                    if (_disposed || entry.Processes.Count >= options.CurrentValue.PoolSize || !_entries.ContainsKey(entry.Spawn.Key))
                    {
                        return;
                    }
                }

                var (process, error) = entry.Spawn.Start(registry, logger);
                if (process is null)
                {
                    Log.StartFailed(logger, error);
                    return;
                }

                var keep = false;
                lock (_entries)
                {
                    if (!_disposed && _entries.ContainsKey(entry.Spawn.Key))
                    {
                        entry.Processes.Enqueue(process);
                        ProxyInstrumentation.CliProcessesPooled.Add(1);
                        keep = true;
                    }
                }

                if (!keep)
                {
                    process.DisposeAsync().AsTask().GetAwaiter().GetResult();
                    return;
                }
            }
        }
        finally
        {
            lock (_entries)
            {
                entry.Refilling = false;
            }
        }
    }

    private sealed class Entry(CliSpawn spawn)
    {
        public CliSpawn Spawn { get; } = spawn;

        public Queue<CliProcess> Processes { get; } = new();

        public long LastWanted { get; set; }

        public bool Refilling { get; set; }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 6021, Level = LogLevel.Warning, Message = "The CLI pool could not start a process: {Reason}")]
        public static partial void StartFailed(ILogger logger, string? reason);
    }
}

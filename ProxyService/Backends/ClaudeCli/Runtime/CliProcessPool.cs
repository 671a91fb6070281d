using AgentRelay.ProxyService.Configuration;
using AgentRelay.ProxyService.Telemetry;
using Microsoft.Extensions.Options;

namespace AgentRelay.ProxyService.Backends.ClaudeCli.Runtime;

/// <summary>
/// CLI processes started ahead for new conversations: <c>Sessions:PoolSize</c> per <see cref="CliSpawn.Key"/> (what can
/// only be set at spawn), refilled in the background after one is taken. A pooled process has received only the
/// readiness probe (<see cref="StreamJson.ReadinessProbe"/>): the request writes <c>initialize</c> (system prompt, tools)
/// and its turn. Only the most recently wanted <see cref="MaxKeys"/> keys are kept.
/// </summary>
/// <remarks>
/// Starting a CLI costs about a second of CPU, so refills stay out of the way of requests: a refill starts a process
/// only while no request of the replica waits for its first output (<see cref="CliActivity"/>), at a lowered CPU
/// priority where the proxy can restore it (<see cref="CliPriority"/>). A request takes a process that has finished
/// starting when there is one, else the one started first (it has the longest head start).
/// </remarks>
public sealed partial class CliProcessPool(
    IOptionsMonitor<SessionsOptions> options,
    CliProcessRegistry registry,
    CliActivity activity,
    ILogger<CliProcessPool> logger) : IAsyncDisposable, IDisposable
{
    /// <summary>Spawn keys pooled at once; a request with a new key pushes out the least recently wanted one.</summary>
    public const int MaxKeys = 4;

    /// <summary>The <c>request_id</c> of the readiness probe (its answer is ignored by the request's turn).</summary>
    public const string ReadinessRequestId = "relay-ready";

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly List<Task> _refills = [];
    private readonly CancellationTokenSource _stopping = new();
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

    /// <summary>Processes waiting in the pool that have finished starting.</summary>
    public int ReadyCount
    {
        get
        {
            lock (_entries)
            {
                return _entries.Values.Sum(e => e.Processes.Count(IsReady));
            }
        }
    }

    /// <summary>A started process for <paramref name="spawn"/> (one that has finished starting if there is one, else the
    /// one started first), with the proxy's CPU priority; <see langword="null"/> when the pool has none.</summary>
    public CliProcess? Take(CliSpawn spawn)
    {
        List<CliProcess> dead = [];
        CliProcess? taken = null;
        lock (_entries)
        {
            if (_entries.TryGetValue(spawn.Key, out var entry))
            {
                entry.LastWanted = ++_clock;
                dead.AddRange(entry.Processes.Where(p => p.HasExited));
                entry.Processes.RemoveAll(dead.Contains);
                taken = entry.Processes.FirstOrDefault(IsReady) ?? entry.Processes.FirstOrDefault();
                if (taken is not null)
                {
                    entry.Processes.Remove(taken);
                }

                ProxyInstrumentation.CliProcessesPooled.Add(-dead.Count - (taken is null ? 0 : 1));
            }
        }

        foreach (var process in dead)
        {
            _ = process.DisposeAsync().AsTask();
        }

        taken?.RestorePriority();
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
                _refills.Add(Task.Run(() => FillAsync(entry)));
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
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            all = [.. _entries.Values.SelectMany(e => e.Processes)];
            ProxyInstrumentation.CliProcessesPooled.Add(-all.Count);
            _entries.Clear();
            refills = [.. _refills];
        }

        await _stopping.CancelAsync();
        await Task.WhenAll(refills);
        await Task.WhenAll(all.Select(p => p.DisposeAsync().AsTask()));
        _stopping.Dispose();
    }

    private static bool IsReady(CliProcess process) => process.Responsive.IsCompleted && !process.HasExited;

    private bool Wanted(Entry entry)
    {
        lock (_entries)
        {
            return !_disposed && entry.Processes.Count < options.CurrentValue.PoolSize && _entries.ContainsKey(entry.Spawn.Key);
        }
    }

    private async Task FillAsync(Entry entry)
    {
        try
        {
            while (Wanted(entry))
            {
                // Not while a request waits for its first output: this start would slow it down.
                await activity.WhenIdleAsync(_stopping.Token);
                if (!Wanted(entry))
                {
                    return;
                }

                var (process, error) = entry.Spawn.Start(registry, logger, lowPriority: true);
                if (process is null)
                {
                    Log.StartFailed(logger, error);
                    return;
                }

                // Before anything a request writes: the CLI answers as soon as it reads its input.
                await process.WriteAsync(StreamJson.ReadinessProbe(ReadinessRequestId), CancellationToken.None);
                var keep = false;
                lock (_entries)
                {
                    if (!_disposed && _entries.ContainsKey(entry.Spawn.Key))
                    {
                        entry.Processes.Add(process);
                        ProxyInstrumentation.CliProcessesPooled.Add(1);
                        keep = true;
                    }
                }

                if (!keep)
                {
                    await process.DisposeAsync();
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Shutting down.
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

        public List<CliProcess> Processes { get; } = [];

        public long LastWanted { get; set; }

        public bool Refilling { get; set; }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 6021, Level = LogLevel.Warning, Message = "The CLI pool could not start a process: {Reason}")]
        public static partial void StartFailed(ILogger logger, string? reason);
    }
}

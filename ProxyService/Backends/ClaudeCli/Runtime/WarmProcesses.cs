using System.Collections.Concurrent;
using AgentRelay.ProxyService.Configuration;
using AgentRelay.ProxyService.Telemetry;
using Microsoft.Extensions.Options;

namespace AgentRelay.ProxyService.Backends.ClaudeCli.Runtime;

/// <summary>
/// CLI processes kept alive between the requests of their conversation: idle after a finished turn (found by
/// conversation key), or holding the CLI's calls of client tools (found by the <c>tool_use_id</c>s the client answers).
/// </summary>
/// <remarks>
/// Bounds: <c>Sessions:MaxWarm</c> processes at most (the least recently used is retired first), an idle one for
/// <c>Sessions:WarmIdle</c>, one waiting for tool results for <c>Sessions:ToolResultTimeout</c>. A kept process holds
/// no concurrency slot: slots belong to requests. Retiring closes stdin and kills the process tree after the grace
/// period; on shutdown every kept process is retired.
/// </remarks>
public sealed partial class WarmProcesses : IAsyncDisposable, IDisposable
{
    private readonly List<LiveCli> _kept = [];
    private int _lent;
    private readonly ConcurrentDictionary<Task, byte> _retiring = new();
    private readonly IOptionsMonitor<SessionsOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<WarmProcesses> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _sweeper;
    private bool _disposed;

    public WarmProcesses(IOptionsMonitor<SessionsOptions> options, TimeProvider time, ILogger<WarmProcesses> logger)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _sweeper = SweepAsync(_stopping.Token);
    }

    /// <summary>Processes kept (idle or waiting for tool results).</summary>
    public int Count
    {
        get
        {
            lock (_kept)
            {
                return _kept.Count;
            }
        }
    }

    /// <summary>Ids of the kept processes (diagnosis and tests).</summary>
    public IReadOnlyList<int> Pids
    {
        get
        {
            lock (_kept)
            {
                return [.. _kept.Select(l => l.Process.Id)];
            }
        }
    }

    /// <summary>The process waiting for the results <paramref name="turn"/> brings, taken out of the registry.</summary>
    public LiveCli? TakeAnswered(CliTurn turn) => turn.ToolResults.Count == 0 ? null : Take(l => l.IsAnsweredBy(turn));

    /// <summary>The idle process kept for <paramref name="conversationKey"/>, taken out of the registry.</summary>
    public LiveCli? TakeIdle(string conversationKey) => Take(l => !l.AwaitsToolResults && l.ConversationKey == conversationKey);

    /// <summary>
    /// The least recently used idle process with <paramref name="warmKey"/>, taken out of the registry to serve a new
    /// conversation (recycled), when keeping every conversation in flight plus that new one would retire a kept process
    /// anyway (<c>Sessions:MaxWarm</c> reached); else <see langword="null"/>. It is lent (<see cref="Lend"/>) already.
    /// </summary>
    public LiveCli? TakeToRecycle(string warmKey)
    {
        var max = _options.CurrentValue.MaxWarm;
        lock (_kept)
        {
            if (max == 0 || _kept.Count + _lent < max)
            {
                return null;
            }

            // Lent at once: while it clears, it already counts for the conversation it will hold.
            var live = Take(candidates => candidates
                .Where(l => !l.AwaitsToolResults && !l.RanOwnTools && l.WarmKey == warmKey && !l.Process.HasExited)
                .MinBy(l => l.LastUsed));
            if (live is not null)
            {
                Lend(live);
            }

            return live;
        }
    }

    /// <summary>A process is lent to a request of a conversation: it comes back to <see cref="Keep"/> after the turn,
    /// so it counts towards <c>Sessions:MaxWarm</c> meanwhile (<see cref="TakeToRecycle"/>).</summary>
    public void Lend(LiveCli live)
    {
        lock (_kept)
        {
            if (!live.Lent)
            {
                live.Lent = true;
                _lent++;
            }
        }
    }

    /// <summary>A lent process is back (kept, or retired by its request).</summary>
    public void Returned(LiveCli live)
    {
        lock (_kept)
        {
            if (live.Lent)
            {
                live.Lent = false;
                _lent--;
            }
        }
    }

    /// <summary>Keeps <paramref name="live"/> for its conversation's next request; retires whatever that pushes out.</summary>
    public void Keep(LiveCli live)
    {
        Returned(live);
        var options = _options.CurrentValue;
        if (options.MaxWarm == 0 || live.Process.HasExited)
        {
            Retire(live, "not kept");
            return;
        }

        if (live.ConversationKey is null && !live.AwaitsToolResults)
        {
            // Outside any conversation (an independent request): no later request could continue it.
            Retire(live, "no conversation to continue");
            return;
        }

        live.LastUsed = _time.GetUtcNow();
        var evicted = new List<LiveCli>();
        lock (_kept)
        {
            if (_disposed)
            {
                evicted.Add(live);
            }
            else
            {
                // One process per conversation: an older one for the same key lost its conversation to this one.
                evicted.AddRange(_kept.Where(l => l.ConversationKey is not null && l.ConversationKey == live.ConversationKey));
                _kept.RemoveAll(evicted.Contains);
                _kept.Add(live);
                while (_kept.Count > options.MaxWarm)
                {
                    var oldest = _kept.MinBy(l => l.LastUsed)!;
                    _kept.Remove(oldest);
                    evicted.Add(oldest);
                }

                ProxyInstrumentation.CliProcessesIdle.Add(1 - evicted.Count);
            }
        }

        foreach (var old in evicted)
        {
            Retire(old, old == live ? "shutting down" : "least recently used");
        }
    }

    /// <summary>Stops a process in the background (stdin closed, grace period, kill); shutdown waits for it.</summary>
    public void Retire(LiveCli live, string reason)
    {
        Log.Retiring(_logger, live.Process.Id, reason);
        var task = live.Process.DisposeAsync().AsTask();
        _retiring[task] = 0;
        task.ContinueWith(t => _retiring.TryRemove(t, out _), TaskScheduler.Default);
    }

    /// <summary>Retires the processes idle longer than <c>Sessions:WarmIdle</c>, waiting for tool results longer than
    /// <c>Sessions:ToolResultTimeout</c>, or already exited.</summary>
    public void Sweep()
    {
        var options = _options.CurrentValue;
        var now = _time.GetUtcNow();
        var expired = new List<(LiveCli Live, string Reason)>();
        lock (_kept)
        {
            foreach (var live in _kept)
            {
                if (live.Process.HasExited)
                {
                    expired.Add((live, "exited"));
                }
                else if (live.AwaitsToolResults ? now - live.LastUsed > options.ToolResultTimeout : now - live.LastUsed > options.WarmIdle)
                {
                    expired.Add((live, live.AwaitsToolResults ? "no tool result within Sessions:ToolResultTimeout" : "idle for Sessions:WarmIdle"));
                }
            }

            foreach (var (live, _) in expired)
            {
                _kept.Remove(live);
            }

            ProxyInstrumentation.CliProcessesIdle.Add(-expired.Count);
        }

        foreach (var (live, reason) in expired)
        {
            Retire(live, reason);
        }
    }

    /// <summary>For a container disposed synchronously.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        List<LiveCli> all;
        lock (_kept)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            all = [.. _kept];
            _kept.Clear();
            ProxyInstrumentation.CliProcessesIdle.Add(-all.Count);
        }

        await _stopping.CancelAsync();
        await _sweeper;
        foreach (var live in all)
        {
            Retire(live, "shutting down");
        }

        await Task.WhenAll(_retiring.Keys);
        _stopping.Dispose();
    }

    private LiveCli? Take(Func<LiveCli, bool> match) => Take(candidates => candidates.FirstOrDefault(match));

    private LiveCli? Take(Func<IEnumerable<LiveCli>, LiveCli?> choose)
    {
        lock (_kept)
        {
            if (choose(_kept) is not { } live)
            {
                return null;
            }

            _kept.Remove(live);
            ProxyInstrumentation.CliProcessesIdle.Add(-1);
            return live;
        }
    }

    private async Task SweepAsync(CancellationToken stopping)
    {
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                var options = _options.CurrentValue;
                var shortest = options.WarmIdle < options.ToolResultTimeout ? options.WarmIdle : options.ToolResultTimeout;
                var period = TimeSpan.FromTicks(Math.Clamp(shortest.Ticks / 4, TimeSpan.FromMilliseconds(50).Ticks, TimeSpan.FromSeconds(30).Ticks));
                await Task.Delay(period, _time, stopping);
                Sweep();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 6023, Level = LogLevel.Debug, Message = "Retiring the Claude CLI (pid {Pid}): {Reason}")]
        public static partial void Retiring(ILogger logger, int pid, string reason);
    }
}

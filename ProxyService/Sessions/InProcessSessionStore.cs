using AgentRelay.ProxyService.Configuration;
using Microsoft.Extensions.Options;

namespace AgentRelay.ProxyService.Sessions;

/// <summary>
/// The session store of a single replica (and of any replica while Redis is unreachable): a least-recently-used map
/// bounded by <c>Sessions:MaxEntries</c>, entries expiring <c>Sessions:Ttl</c> after their last use.
/// </summary>
public sealed class InProcessSessionStore(IOptionsMonitor<SessionsOptions> options, TimeProvider time) : ISessionStore
{
    private readonly Dictionary<string, LinkedListNode<Entry>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> _recency = new();
    private readonly Lock _lock = new();

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    public ValueTask<SessionState?> GetAsync(string key, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (Live(key) is not { } node)
            {
                return ValueTask.FromResult<SessionState?>(null);
            }

            node.Value.ExpiresAt = time.GetUtcNow() + options.CurrentValue.Ttl;
            _recency.Remove(node);
            _recency.AddFirst(node);
            return ValueTask.FromResult<SessionState?>(node.Value.State);
        }
    }

    /// <summary>The entry without refreshing it (for the fail-over store's merge).</summary>
    public SessionState? Peek(string key)
    {
        lock (_lock)
        {
            return Live(key)?.Value.State;
        }
    }

    public ValueTask<bool> SetAsync(string key, SessionState state, long expectedVersion, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var node = Live(key);
            if ((node?.Value.State.Version ?? 0) != expectedVersion)
            {
                return ValueTask.FromResult(false);
            }

            var entry = new Entry(key, state with { Version = expectedVersion + 1 }) { ExpiresAt = time.GetUtcNow() + options.CurrentValue.Ttl };
            if (node is not null)
            {
                _recency.Remove(node);
            }

            _entries[key] = _recency.AddFirst(entry);
            while (_entries.Count > options.CurrentValue.MaxEntries && _recency.Last is { } oldest)
            {
                _recency.RemoveLast();
                _entries.Remove(oldest.Value.Key);
            }

            return ValueTask.FromResult(true);
        }
    }

    public ValueTask RemoveAsync(string key, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_entries.Remove(key, out var node))
            {
                _recency.Remove(node);
            }
        }

        return ValueTask.CompletedTask;
    }

    private LinkedListNode<Entry>? Live(string key)
    {
        if (!_entries.TryGetValue(key, out var node))
        {
            return null;
        }

        if (node.Value.ExpiresAt > time.GetUtcNow())
        {
            return node;
        }

        _entries.Remove(key);
        _recency.Remove(node);
        return null;
    }

    private sealed class Entry(string key, SessionState state)
    {
        public string Key { get; } = key;

        public SessionState State { get; } = state;

        public DateTimeOffset ExpiresAt { get; set; }
    }
}

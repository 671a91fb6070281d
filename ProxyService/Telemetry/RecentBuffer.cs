namespace AgentRelay.ProxyService.Telemetry;

/// <summary>A bounded, thread-safe ring of the newest items; readers get a newest-first copy.</summary>
public sealed class RecentBuffer<T>(int capacity)
    where T : class
{
    private readonly T?[] _ring = new T?[capacity];
    private readonly Lock _lock = new();
    private int _next;
    private int _count;

    public int Capacity => _ring.Length;

    public void Add(T item)
    {
        lock (_lock)
        {
            _ring[_next] = item;
            _next = (_next + 1) % _ring.Length;
            _count = Math.Min(_count + 1, _ring.Length);
        }
    }

    /// <summary>Up to <paramref name="limit"/> items that match, newest first.</summary>
    public List<T> Recent(int limit, Func<T, bool>? filter = null)
    {
        var result = new List<T>();
        lock (_lock)
        {
            for (var i = 0; i < _count && result.Count < limit; i++)
            {
                var item = _ring[(_next - 1 - i + _ring.Length) % _ring.Length]!;
                if (filter is null || filter(item))
                {
                    result.Add(item);
                }
            }
        }

        return result;
    }
}

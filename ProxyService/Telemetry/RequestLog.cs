namespace AgentRelay.ProxyService.Telemetry;

/// <summary>The most recent API requests of this replica, newest first, bounded.</summary>
public sealed class RequestLog
{
    public const int Capacity = 1000;

    private readonly RequestRecord?[] _ring = new RequestRecord?[Capacity];
    private readonly Lock _lock = new();
    private int _next;
    private int _count;

    public void Add(RequestRecord record)
    {
        lock (_lock)
        {
            _ring[_next] = record;
            _next = (_next + 1) % Capacity;
            _count = Math.Min(_count + 1, Capacity);
        }
    }

    public RequestRecord[] Recent(int limit)
    {
        lock (_lock)
        {
            var take = Math.Clamp(limit, 0, _count);
            var result = new RequestRecord[take];
            for (var i = 0; i < take; i++)
            {
                result[i] = _ring[(_next - 1 - i + Capacity) % Capacity]!;
            }

            return result;
        }
    }
}

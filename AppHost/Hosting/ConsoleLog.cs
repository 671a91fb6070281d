namespace AgentRelay.AppHost.Hosting;

/// <summary>One line a supervised process wrote to stdout or stderr.</summary>
public sealed record ConsoleLine(DateTimeOffset Time, string Resource, bool IsError, string Text);

/// <summary>The most recent console lines of every process, bounded per resource, for the dashboard's console view.</summary>
public sealed class ConsoleLog
{
    public const int CapacityPerResource = 1000;

    private readonly Dictionary<string, Queue<ConsoleLine>> _lines = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public void Add(string resource, bool isError, string text)
    {
        lock (_lock)
        {
            if (!_lines.TryGetValue(resource, out var queue))
            {
                _lines[resource] = queue = new Queue<ConsoleLine>();
            }

            queue.Enqueue(new ConsoleLine(DateTimeOffset.UtcNow, resource, isError, text));
            if (queue.Count > CapacityPerResource)
            {
                queue.Dequeue();
            }
        }
    }

    /// <summary>The last <paramref name="limit"/> lines of <paramref name="resource"/>, oldest first.</summary>
    public IReadOnlyList<ConsoleLine> Tail(string resource, int limit)
    {
        lock (_lock)
        {
            return _lines.TryGetValue(resource, out var queue) ? [.. queue.TakeLast(limit)] : [];
        }
    }
}

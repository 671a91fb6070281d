using System.Collections;

namespace AgentRelay.Tests.Telemetry;

/// <summary>What an OpenTelemetry in-memory exporter wrote, safe to read while request threads still add to it.</summary>
public sealed class ExportedItems<T> : ICollection<T>
{
    private readonly List<T> _items = [];

    public int Count { get { lock (_items) { return _items.Count; } } }

    public bool IsReadOnly => false;

    public T[] Snapshot() { lock (_items) { return [.. _items]; } }

    /// <summary>The first item that matches, waiting up to 5 s: spans and logs are exported after the response ends.</summary>
    public async Task<T> WaitForAsync(Func<T, bool> match)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (true)
        {
            if (Snapshot().FirstOrDefault(match) is { } found)
            {
                return found;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Nothing exported matched; {Count} items were exported.");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    public void Add(T item) { lock (_items) { _items.Add(item); } }

    public void Clear() { lock (_items) { _items.Clear(); } }

    public bool Contains(T item) { lock (_items) { return _items.Contains(item); } }

    public void CopyTo(T[] array, int arrayIndex) { lock (_items) { _items.CopyTo(array, arrayIndex); } }

    public bool Remove(T item) { lock (_items) { return _items.Remove(item); } }

    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)Snapshot()).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

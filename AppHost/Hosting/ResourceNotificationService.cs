using System.Collections.Concurrent;

namespace AgentRelay.AppHost.Hosting;

/// <summary>The one holder of every resource's current state (Aspire's ResourceNotificationService), with a change event.</summary>
public sealed class ResourceNotificationService
{
    private readonly ConcurrentDictionary<string, ResourceSnapshot> _snapshots = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];
    private readonly Lock _lock = new();

    /// <summary>Raised after every change, with the new snapshot; handlers must be quick.</summary>
    public event Action<ResourceSnapshot>? Changed;

    public ResourceSnapshot Publish(ResourceSnapshot snapshot)
    {
        lock (_lock)
        {
            if (!_snapshots.ContainsKey(snapshot.Name))
            {
                _order.Add(snapshot.Name);
            }

            _snapshots[snapshot.Name] = snapshot;
        }

        Changed?.Invoke(snapshot);
        return snapshot;
    }

    public ResourceSnapshot Update(string name, Func<ResourceSnapshot, ResourceSnapshot> change)
    {
        ResourceSnapshot updated;
        lock (_lock)
        {
            updated = change(_snapshots[name]);
            _snapshots[name] = updated;
        }

        Changed?.Invoke(updated);
        return updated;
    }

    public IReadOnlyList<ResourceSnapshot> All()
    {
        lock (_lock)
        {
            return [.. _order.Select(name => _snapshots[name])];
        }
    }
}

using System.Collections.Frozen;

namespace AgentRelay.ProxyService.Adapters;

/// <summary>The registered adapters by name and alias, case-insensitive (YARP's ServiceLookupHelper).</summary>
public sealed class AgentAdapterRegistry
{
    private readonly FrozenDictionary<string, IAgentAdapter> _byName;

    public AgentAdapterRegistry(IEnumerable<IAgentAdapter> adapters)
    {
        var byName = new Dictionary<string, IAgentAdapter>(StringComparer.OrdinalIgnoreCase);
        foreach (var adapter in adapters)
        {
            foreach (var name in adapter.Aliases.Prepend(adapter.Name))
            {
                if (!byName.TryAdd(name, adapter) && !ReferenceEquals(byName[name], adapter))
                {
                    throw new InvalidOperationException($"Two agent adapters claim the name '{name}': {byName[name].GetType().Name} and {adapter.GetType().Name}.");
                }
            }
        }

        _byName = byName.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        Names = [.. byName.Keys.Order(StringComparer.Ordinal)];
    }

    /// <summary>Every accepted name, aliases included, sorted.</summary>
    public IReadOnlyList<string> Names { get; }

    public bool TryGet(string? name, out IAgentAdapter adapter)
    {
        adapter = null!;
        return !string.IsNullOrWhiteSpace(name) && _byName.TryGetValue(name.Trim(), out adapter!);
    }

    /// <summary>The adapter called <paramref name="name"/>; it must be registered.</summary>
    public IAgentAdapter Get(string name) => TryGet(name, out var adapter)
        ? adapter
        : throw new InvalidOperationException($"No agent adapter named '{name}' is registered.");

    /// <summary>"a, b, passthrough (alias of litellm), …" for error messages.</summary>
    public string Describe() => string.Join(", ", Names.Select(name =>
        string.Equals(_byName[name].Name, name, StringComparison.OrdinalIgnoreCase) ? name : $"{name} (alias of {_byName[name].Name})"));
}

namespace AgentRelay.AppHost.Hosting;

/// <summary>Something the AppHost runs or connects to, named as the dashboard and the console show it.</summary>
public abstract class Resource(string name)
{
    public string Name { get; } = name;

    /// <summary>Resources that must be healthy (or given up on) before this one starts.</summary>
    public List<Resource> WaitsFor { get; } = [];
}

/// <summary>
/// Redis: an existing server from <c>ConnectionStrings:{name}</c>, else <c>redis-server</c> from PATH started by the
/// AppHost, else none (the referencing projects fall back to their in-process stores).
/// </summary>
public sealed class RedisResource(string name) : Resource(name)
{
    /// <summary>The connection string once the resource is running, or <see langword="null"/> when there is no Redis.</summary>
    public string? ConnectionString { get; internal set; }
}

/// <summary>A .NET project started as one or more supervised processes.</summary>
public sealed class ProjectResource(string name, IProjectMetadata project) : Resource(name)
{
    public IProjectMetadata Project { get; } = project;

    public int Replicas { get; internal set; } = 1;

    /// <summary>The path whose 2xx answer means a replica is ready, or <see langword="null"/> to treat a started process as ready.</summary>
    public string? HealthCheckPath { get; internal set; }

    /// <summary>The public loopback port (0 = any free one): the replica itself with one replica, the front door with more.</summary>
    public int? ExternalPort { get; internal set; }

    public List<RedisResource> References { get; } = [];

    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    public string ReplicaName(int index) => Replicas == 1 ? Name : $"{Name}-{index}";
}

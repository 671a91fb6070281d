using AgentRelay.AppHost.Hosting;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.LoadBalancing;

namespace AgentRelay.AppHost.FrontDoor;

/// <summary>
/// The one public port in front of several replicas: YARP, round robin, no session affinity (sessions and limits live
/// in Redis), streaming responses passed through unbuffered. Destinations follow the supervisor (only running
/// replicas) and YARP's own active and passive health checks.
/// </summary>
public sealed class FrontDoorHost(string name, int port, IReadOnlyList<ReplicaEndpoint> replicas, string healthPath, ResourceNotificationService notifications)
    : IAsyncDisposable
{
    public const string ClusterId = "replicas";

    private static readonly RouteConfig[] s_routes =
        [new RouteConfig { RouteId = "everything", ClusterId = ClusterId, Match = new RouteMatch { Path = "{**catch-all}" } }];

    private WebApplication? _app;

    public string Url { get; } = $"http://127.0.0.1:{port}";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        notifications.Publish(new ResourceSnapshot { Name = name, Resource = name, Type = "Front door (YARP)", Url = Url, State = ResourceStates.Starting });
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(Url);
        builder.Services.AddReverseProxy().LoadFromMemory(s_routes, [Cluster(replicas)]);
        _app = builder.Build();
        _app.MapReverseProxy();
        await _app.StartAsync(cancellationToken);
        notifications.Changed += OnResourceChanged;
        notifications.Update(name, s => s with { State = ResourceStates.Running, Pid = Environment.ProcessId, Detail = $"round robin over {replicas.Count} replicas" });
    }

    private void OnResourceChanged(ResourceSnapshot snapshot)
    {
        if (_app is null || !replicas.Any(replica => replica.Name == snapshot.Name))
        {
            return;
        }

        var states = notifications.All().ToDictionary(s => s.Name, s => s.State);
        var running = replicas.Where(replica => states.GetValueOrDefault(replica.Name) == ResourceStates.Running).ToList();
        // With none running, keep them all: YARP then answers 502 quickly instead of 503 for an empty cluster.
        _app.Services.GetRequiredService<InMemoryConfigProvider>().Update(s_routes, [Cluster(running.Count > 0 ? running : replicas)]);
    }

    private ClusterConfig Cluster(IEnumerable<ReplicaEndpoint> destinations) => new()
    {
        ClusterId = ClusterId,
        LoadBalancingPolicy = LoadBalancingPolicies.RoundRobin,
        HealthCheck = new HealthCheckConfig
        {
            Active = new ActiveHealthCheckConfig
            {
                Enabled = true, Interval = TimeSpan.FromSeconds(2), Timeout = TimeSpan.FromSeconds(5),
                Policy = "ConsecutiveFailures", Path = healthPath,
            },
            Passive = new PassiveHealthCheckConfig { Enabled = true, Policy = "TransportFailureRate", ReactivationPeriod = TimeSpan.FromSeconds(5) },
        },
        // LLM streams can be quiet for minutes while the model thinks; YARP's 100 s default would cut them.
        HttpRequest = new Yarp.ReverseProxy.Forwarder.ForwarderRequestConfig { ActivityTimeout = TimeSpan.FromMinutes(15) },
        Destinations = destinations.ToDictionary(replica => replica.Name, replica => new DestinationConfig { Address = replica.Url }),
    };

    public async ValueTask DisposeAsync()
    {
        notifications.Changed -= OnResourceChanged;
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            notifications.Update(name, s => s with { State = ResourceStates.Stopped, Pid = null });
        }
    }
}

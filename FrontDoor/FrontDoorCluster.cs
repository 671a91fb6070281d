using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;

namespace AgentRelay.FrontDoor;

/// <summary>
/// The route and cluster: everything goes to the replicas, only to healthy ones (YARP's active check on
/// <c>/health</c> and passive check on transport failures), responses pass through unbuffered, and a stream may stay
/// silent for 15 minutes while the model thinks.
/// </summary>
public static class FrontDoorCluster
{
    public const string ClusterId = "replicas";

    public const string DestinationsSection = "FrontDoor:Destinations";

    /// <summary>The front door's own readiness; every other path, <c>/health</c> included, goes to a replica.</summary>
    public const string OwnHealthPath = "/frontdoor/health";

    /// <summary>The name the cluster asks for; the registered <c>ILoadBalancingPolicy</c> with this name is used.</summary>
    public const string LoadBalancingPolicyName = "AgentRelayReplicas";

    public static readonly IReadOnlyList<RouteConfig> Routes =
        [new RouteConfig { RouteId = "everything", ClusterId = ClusterId, Match = new RouteMatch { Path = "{**catch-all}" } }];

    public static ClusterConfig Create(IReadOnlyDictionary<string, string> destinations) => new()
    {
        ClusterId = ClusterId,
        LoadBalancingPolicy = LoadBalancingPolicyName,
        HealthCheck = new HealthCheckConfig
        {
            // With every replica unhealthy (say, the claude CLI is missing everywhere) route to all of them anyway, so
            // the client gets the proxy's own 503 explaining why instead of an empty one from the front door.
            AvailableDestinationsPolicy = HealthCheckConstants.AvailableDestinations.HealthyOrPanic,
            Active = new ActiveHealthCheckConfig
            {
                // A busy replica is slow, not down: 5 s before a probe counts as failed.
                Enabled = true, Interval = TimeSpan.FromSeconds(2), Timeout = TimeSpan.FromSeconds(5),
                Policy = HealthCheckConstants.ActivePolicy.ConsecutiveFailures, Path = "/health",
            },
            Passive = new PassiveHealthCheckConfig
            {
                Enabled = true, Policy = HealthCheckConstants.PassivePolicy.TransportFailureRate, ReactivationPeriod = TimeSpan.FromSeconds(5),
            },
        },
        // LLM streams can be quiet for minutes while the model thinks; YARP's 100 s default would cut them.
        HttpRequest = new ForwarderRequestConfig { ActivityTimeout = TimeSpan.FromMinutes(15) },
        Destinations = destinations.ToDictionary(pair => pair.Key, pair => new DestinationConfig { Address = pair.Value }),
    };
}

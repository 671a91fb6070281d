using Yarp.ReverseProxy.LoadBalancing;

namespace AgentRelay.FrontDoor;

/// <summary>Registers YARP with one catch-all route to the replicas and the load-balancing policy, and the front door's
/// readiness (<see cref="ReplicasReachableHealthCheck"/>).</summary>
public static class FrontDoorServiceCollectionExtensions
{
    public static WebApplicationBuilder AddFrontDoor(this WebApplicationBuilder builder)
    {
        var destinations = builder.Configuration.GetSection(FrontDoorCluster.DestinationsSection).GetChildren()
            .Where(destination => !string.IsNullOrWhiteSpace(destination.Value))
            .ToDictionary(destination => destination.Key, destination => destination.Value!);
        if (destinations.Count == 0)
        {
            throw new InvalidOperationException(
                $"No replicas: set {FrontDoorCluster.DestinationsSection}:<name>=<url> (the AppHost sets FrontDoor__Destinations__proxy-1 and so on).");
        }

        // The proxy enforces its own body limit and answers 413 in the caller's dialect; the front door must not cut first.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = null);

        // The one place that names the policy class: swap it here (see AppHost/README.md).
        builder.Services.AddSingleton<ILoadBalancingPolicy, ReplicaLoadBalancingPolicy>();
        builder.Services.AddReverseProxy().LoadFromMemory(FrontDoorCluster.Routes, [FrontDoorCluster.Create(destinations)]);
        builder.Services.AddHealthChecks().AddCheck(ReplicasReachableHealthCheck.Name, new ReplicasReachableHealthCheck(destinations.Values));
        return builder;
    }
}

using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace AgentRelay.FrontDoor;

/// <summary>
/// Picks the replica for a request among those YARP considers available: round robin, no affinity (sessions and the
/// concurrency limit live in Redis, shared by every replica). Replace this class to route differently, e.g. by a
/// session header; it only has to keep <see cref="Name"/>.
/// </summary>
public sealed class ReplicaLoadBalancingPolicy : ILoadBalancingPolicy
{
    private uint _counter;

    public string Name => FrontDoorCluster.LoadBalancingPolicyName;

    public DestinationState? PickDestination(HttpContext context, ClusterState cluster, IReadOnlyList<DestinationState> availableDestinations) =>
        availableDestinations.Count == 0 ? null
        : availableDestinations[(int)(Interlocked.Increment(ref _counter) % (uint)availableDestinations.Count)];
}

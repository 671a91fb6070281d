using System.IO.Hashing;
using System.Text;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace AgentRelay.FrontDoor;

/// <summary>
/// Picks the replica for a request among those YARP considers available (the healthy ones): a request that carries
/// one of the agents' session headers goes to the replica chosen by rendezvous (highest random weight) hashing of
/// that header's value over the available replicas, so every turn of a conversation reaches the replica whose warm
/// <c>claude</c> process holds it; any other request goes round robin. Only headers are read, never the body.
/// </summary>
/// <remarks>
/// Rendezvous hashing moves as little as possible: when a replica becomes unhealthy only its own conversations move
/// (each to the replica that scored next for it), and they come back when it returns. A conversation that moves is
/// served on the cold path there (its history resumed from the request), so nothing is lost, only the warm process.
/// </remarks>
public sealed class ReplicaLoadBalancingPolicy : ILoadBalancingPolicy
{
    /// <summary>The agents' session headers, in the order the proxy's adapters read them (INTERFACE.md).</summary>
    public static readonly IReadOnlyList<string> SessionHeaders =
        ["x-opencode-session", "x-session-affinity", "x-session-id", "x-litellm-session-id", "x-claude-code-session-id"];

    private uint _counter;

    public string Name => FrontDoorCluster.LoadBalancingPolicyName;

    public DestinationState? PickDestination(HttpContext context, ClusterState cluster, IReadOnlyList<DestinationState> availableDestinations)
    {
        if (availableDestinations.Count == 0)
        {
            return null;
        }

        return SessionKeyOf(context.Request.Headers) is { } key
            ? availableDestinations[Rendezvous(key, availableDestinations)]
            : availableDestinations[(int)(Interlocked.Increment(ref _counter) % (uint)availableDestinations.Count)];
    }

    /// <summary>The first non-empty session header's value, or <see langword="null"/>.</summary>
    public static string? SessionKeyOf(IHeaderDictionary headers)
    {
        foreach (var name in SessionHeaders)
        {
            if (headers.TryGetValue(name, out var values) && values.ToString() is { Length: > 0 } value && !string.IsNullOrWhiteSpace(value))
            {
                return value.Trim();
            }
        }

        return null;
    }

    /// <summary>The index of the destination with the highest score for <paramref name="key"/>; ties go to the lower id.</summary>
    public static int Rendezvous(string key, IReadOnlyList<DestinationState> destinations)
    {
        var best = 0;
        var bestScore = Score(destinations[0].DestinationId, key);
        for (var index = 1; index < destinations.Count; index++)
        {
            var score = Score(destinations[index].DestinationId, key);
            if (score > bestScore || (score == bestScore && string.CompareOrdinal(destinations[index].DestinationId, destinations[best].DestinationId) < 0))
            {
                best = index;
                bestScore = score;
            }
        }

        return best;
    }

    /// <summary>A stable 64-bit score of the pair (same on every front door and after restarts: no random seed).</summary>
    private static ulong Score(string destinationId, string key) =>
        XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(destinationId + "\n" + key));
}

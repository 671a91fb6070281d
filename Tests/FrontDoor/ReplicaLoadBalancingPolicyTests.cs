extern alias FrontDoorAssembly;

using AgentRelay.ProxyService.Adapters;
using FrontDoorAssembly::AgentRelay.FrontDoor;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Model;

namespace AgentRelay.Tests.FrontDoor;

/// <summary>The front door's choice of replica: session headers by rendezvous hashing, everything else round robin.</summary>
public sealed class ReplicaLoadBalancingPolicyTests
{
    private static readonly DestinationState[] s_replicas = [.. Enumerable.Range(1, 4).Select(n => new DestinationState($"proxy-{n}"))];

    private static readonly string[] s_sessions = [.. Enumerable.Range(0, 400).Select(n => $"ses_{n:x8}-conversation")];

    [Theory]
    [InlineData("x-opencode-session")]
    [InlineData("x-session-affinity")]
    [InlineData("x-session-id")]
    [InlineData("x-litellm-session-id")]
    [InlineData("x-claude-code-session-id")]
    public void Every_request_of_a_session_goes_to_the_same_replica_whatever_the_order_of_the_replicas(string header)
    {
        var policy = new ReplicaLoadBalancingPolicy();
        foreach (var session in s_sessions.Take(50))
        {
            var first = Pick(policy, s_replicas, (header, session));
            for (var round = 0; round < 5; round++)
            {
                Assert.Same(first, Pick(policy, s_replicas, (header, session)));
                Assert.Same(first, Pick(policy, [.. s_replicas.Reverse()], (header, session)));
            }

            // A fresh policy (another front door, or after a restart) agrees: no random seed, no state.
            Assert.Same(first, Pick(new ReplicaLoadBalancingPolicy(), s_replicas, (header, session)));
        }
    }

    [Fact]
    public void Sessions_spread_over_the_replicas()
    {
        var counts = s_sessions.GroupBy(session => Pick(new ReplicaLoadBalancingPolicy(), s_replicas, ("x-session-id", session)).DestinationId)
            .ToDictionary(group => group.Key, group => group.Count());

        Assert.Equal(4, counts.Count);
        // 100 each on average; a badly skewed hash would leave a replica far below.
        Assert.All(counts.Values, count => Assert.InRange(count, 60, 140));
    }

    [Fact]
    public void A_replica_going_unhealthy_moves_only_its_own_sessions_and_they_come_back_with_it()
    {
        var policy = new ReplicaLoadBalancingPolicy();
        var before = s_sessions.ToDictionary(session => session, session => Pick(policy, s_replicas, ("x-session-affinity", session)));
        var down = s_replicas[2];
        DestinationState[] healthy = [.. s_replicas.Where(replica => replica != down)];

        var after = s_sessions.ToDictionary(session => session, session => Pick(policy, healthy, ("x-session-affinity", session)));

        var moved = s_sessions.Where(session => after[session] != before[session]).ToList();
        Assert.NotEmpty(moved);
        Assert.All(moved, session => Assert.Same(down, before[session]));
        Assert.All(s_sessions.Where(session => before[session] == down), session => Assert.NotSame(down, after[session]));
        Assert.All(s_sessions, session => Assert.Same(before[session], Pick(policy, s_replicas, ("x-session-affinity", session))));
    }

    [Fact]
    public void The_first_session_header_in_the_adapters_order_is_the_key()
    {
        var policy = new ReplicaLoadBalancingPolicy();
        var session = s_sessions.First(s => Pick(policy, s_replicas, ("x-session-affinity", s)) != Pick(policy, s_replicas, ("x-session-affinity", "other-" + s)));

        // OpenCode sends x-session-affinity and x-session-id with one value; the first one decides.
        Assert.Same(Pick(policy, s_replicas, ("x-session-affinity", session)),
            Pick(policy, s_replicas, ("x-session-affinity", session), ("x-session-id", "other-" + session)));
        Assert.Equal(session, ReplicaLoadBalancingPolicy.SessionKeyOf(Headers(("x-session-id", "  "), ("x-litellm-session-id", $" {session} "))));
        Assert.Null(ReplicaLoadBalancingPolicy.SessionKeyOf(Headers(("x-session-id", ""), ("user-agent", "opencode/1.18.33"))));
    }

    [Fact]
    public void The_front_door_knows_exactly_the_session_headers_the_proxys_adapters_key_conversations_by()
    {
        IAgentAdapter[] adapters = [.. typeof(IAgentAdapter).Assembly.GetTypes()
            .Where(type => typeof(IAgentAdapter).IsAssignableFrom(type) && type is { IsAbstract: false, IsInterface: false } && type.GetConstructor(Type.EmptyTypes) is not null)
            .Select(type => (IAgentAdapter)Activator.CreateInstance(type)!)];
        string[] candidates = [.. typeof(AgentHeaders).GetFields().Where(field => field.IsLiteral).Select(field => (string)field.GetRawConstantValue()!)
            .Concat(ReplicaLoadBalancingPolicy.SessionHeaders).Distinct()];

        var keyedBy = candidates.Where(name => adapters.Any(adapter => adapter.GetSessionId(Headers((name, "ses_1"))) is not null)).Order().ToList();

        Assert.True(adapters.Length >= 5, $"adapters found: {adapters.Length}");
        Assert.Equal(ReplicaLoadBalancingPolicy.SessionHeaders.Order(), keyedBy);
    }

    [Fact]
    public void Requests_without_a_session_header_go_round_robin_and_nothing_available_gives_null()
    {
        var policy = new ReplicaLoadBalancingPolicy();

        var picks = Enumerable.Range(0, 8).Select(_ => Pick(policy, s_replicas).DestinationId).ToList();

        Assert.Equal(4, picks.Distinct().Count());
        Assert.Equal(picks.Take(4), picks.Skip(4));
        Assert.Null(policy.PickDestination(Context(), new ClusterState("replicas"), []));
        Assert.Null(policy.PickDestination(Context(("x-session-id", "ses_1")), new ClusterState("replicas"), []));
    }

    private static DestinationState Pick(ReplicaLoadBalancingPolicy policy, IReadOnlyList<DestinationState> available, params (string Name, string Value)[] headers) =>
        policy.PickDestination(Context(headers), new ClusterState("replicas"), available)!;

    private static DefaultHttpContext Context(params (string Name, string Value)[] headers)
    {
        var context = new DefaultHttpContext();
        foreach (var (name, value) in headers)
        {
            context.Request.Headers[name] = value;
        }

        return context;
    }

    private static IHeaderDictionary Headers(params (string Name, string Value)[] headers) => Context(headers).Request.Headers;
}

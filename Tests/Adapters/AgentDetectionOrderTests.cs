using AgentRelay.ProxyService.Adapters;
using AgentRelay.ProxyService.Configuration;
using Microsoft.Extensions.DependencyInjection;
using static AgentRelay.Tests.Adapters.AdapterTestHost;

namespace AgentRelay.Tests.Adapters;

/// <summary>
/// The detection rules the adapters declare, pinned to the README's "Agent detection" table: which adapter owns which
/// rule number, and, for every two rules whose signals can be sent together, that the lower number wins.
/// </summary>
public sealed class AgentDetectionOrderTests
{
    /// <summary>Rules 2 to 7 of the table: number, adapter, a request header carrying the signal, and the reason.</summary>
    private static readonly (int Rule, string Adapter, string Header, string Reason)[] s_documented =
    [
        (2, "opencode", "x-opencode-session=s1", "header:x-opencode-session"),
        (2, "opencode", "x-session-affinity=ses_1", "header:x-session-affinity"),
        (2, "opencode", "x-session-id=ses_1", "header:x-session-id"),
        (3, "opencode", "user-agent=opencode/1.18.33", "user-agent:opencode/1.18.33"),
        (4, "droid", "user-agent=factory-cli/0.215.0", "user-agent:factory-cli/0.215.0"),
        (5, "crush", "user-agent=Charm-Crush/v0.51.2", "user-agent:Charm-Crush/v0.51.2"),
        (6, "claude-code", "user-agent=claude-cli/2.1.330", "user-agent:claude-cli/2.1.330"),
        (7, "litellm", "user-agent=litellm/1.52.0", "user-agent:litellm/1.52.0"),
        (7, "litellm", "x-litellm-api-key=sk", "header:x-litellm-api-key"),
    ];

    [Fact]
    public void The_adapters_declare_exactly_the_documented_rules_in_order()
    {
        var rules = Detector().Rules.Select(r => (r.Rule.Order, r.Adapter.Name)).ToArray();

        Assert.Equal(
            [(2, "opencode"), (3, "opencode"), (4, "droid"), (5, "crush"), (6, "claude-code"), (7, "litellm"), (7, "litellm")],
            rules);
    }

    public static TheoryData<int> Rows() => [.. Enumerable.Range(0, s_documented.Length)];

    [Theory]
    [MemberData(nameof(Rows))]
    public void Each_documented_rule_alone_picks_its_adapter(int row)
    {
        var (_, adapter, header, reason) = s_documented[row];

        var detection = Detector().Detect(Headers(header + "|accept=application/json"));

        Assert.Equal((adapter, reason), (detection.Adapter.Name, detection.Reason));
    }

    public static TheoryData<int, int> Pairs()
    {
        var pairs = new TheoryData<int, int>();
        for (var first = 0; first < s_documented.Length; first++)
        {
            for (var second = first + 1; second < s_documented.Length; second++)
            {
                // A request has one User-Agent: two user-agent rules cannot meet.
                if (!(IsUserAgent(first) && IsUserAgent(second)) && s_documented[first].Rule < s_documented[second].Rule)
                {
                    pairs.Add(first, second);
                }
            }
        }

        return pairs;

        static bool IsUserAgent(int row) => s_documented[row].Header.StartsWith("user-agent=", StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Of_two_signals_the_earlier_rule_wins_in_either_header_order(int earlier, int later)
    {
        var (_, adapter, header, reason) = s_documented[earlier];
        var other = s_documented[later].Header;

        var forwards = Detector().Detect(Headers($"{header}|{other}"));
        var backwards = Detector().Detect(Headers($"{other}|{header}"));

        Assert.Equal((adapter, reason), (forwards.Adapter.Name, forwards.Reason));
        Assert.Equal((adapter, reason), (backwards.Adapter.Name, backwards.Reason));
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void The_override_beats_every_rule_and_the_default_takes_none(int row)
    {
        var header = s_documented[row].Header;

        var overridden = Detector().Detect(Headers($"{header}|x-relay-agent=forgecode"));
        var unknownOverride = Detector().Detect(Headers($"{header}|x-relay-agent=nobody"));

        Assert.Equal(("forgecode", "override:forgecode"), (overridden.Adapter.Name, overridden.Reason));
        Assert.Equal((s_documented[row].Adapter, s_documented[row].Reason), (unknownOverride.Adapter.Name, unknownOverride.Reason));
    }

    [Theory]
    [InlineData("x-test-agent=1|user-agent=factory-cli/1", "test-agent", "header:x-test-agent")]
    [InlineData("x-test-agent=1|x-session-affinity=ses_1", "opencode", "header:x-session-affinity")]
    [InlineData("x-test-agent=1|x-litellm-api-key=sk", "test-agent", "header:x-test-agent")]
    [InlineData("x-relay-agent=test-agent", "test-agent", "override:test-agent")]
    public void A_new_adapter_is_one_class_and_its_registration(string headers, string adapter, string reason)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddOptions<ProxyOptions>();
        services.AddAgentAdapters().AddAgentAdapter<TestAgentAdapter>();
        var detector = services.BuildServiceProvider().GetRequiredService<AgentDetector>();

        var detection = detector.Detect(Headers(headers));

        Assert.Equal((adapter, reason), (detection.Adapter.Name, detection.Reason));
    }

    private sealed class TestAgentAdapter : AgentAdapter
    {
        private static readonly AgentDetectionRule[] s_rules = [AgentDetectionRule.HeaderPresent(3, "x-test-agent")];

        public override string Name => "test-agent";

        public override IReadOnlyList<AgentDetectionRule> DetectionRules => s_rules;
    }
}

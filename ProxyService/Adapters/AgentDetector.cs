using AgentRelay.ProxyService.Configuration;
using Microsoft.Extensions.Options;

namespace AgentRelay.ProxyService.Adapters;

/// <summary>
/// Chooses the adapter from the request headers. The order is the contract (README, "Agent detection"):
/// <list type="number">
/// <item><c>x-relay-agent</c> naming a registered adapter or alias (unknown values fall through);</item>
/// <item>every adapter's <see cref="IAgentAdapter.DetectionRules"/>, by their <see cref="AgentDetectionRule.Order"/>
/// (rules 2 to 7 of the table: OpenCode's session headers, the user agents of OpenCode, Droid, Crush and Claude Code,
/// then LiteLLM's user agent and headers);</item>
/// <item><c>Proxy:DefaultAgent</c>.</item>
/// </list>
/// The detector knows no agent: adding one is its adapter's rules and its registration.
/// </summary>
public sealed class AgentDetector
{
    private readonly AgentAdapterRegistry _registry;
    private readonly IOptionsMonitor<ProxyOptions> _options;
    private readonly (AgentDetectionRule Rule, IAgentAdapter Adapter)[] _rules;

    public AgentDetector(AgentAdapterRegistry registry, IEnumerable<IAgentAdapter> adapters, IOptionsMonitor<ProxyOptions> options)
    {
        _registry = registry;
        _options = options;
        // OrderBy is stable: rules with the same number keep registration, then declaration, order.
        _rules = [.. adapters.SelectMany(adapter => adapter.DetectionRules.Select(rule => (rule, adapter))).OrderBy(pair => pair.rule.Order)];
    }

    /// <summary>Every adapter's rules in the order they are tried.</summary>
    public IReadOnlyList<(AgentDetectionRule Rule, IAgentAdapter Adapter)> Rules => _rules;

    public AgentDetection Detect(IHeaderDictionary headers)
    {
        // :: 1. An explicit choice beats every heuristic.
        var requested = headers[AgentHeaders.Agent].ToString().Trim().ToLowerInvariant();
        if (_registry.TryGet(requested, out var chosen))
        {
            return new AgentDetection(chosen, AgentDetection.Override(requested));
        }

        // :: 2-7. The adapters' own signals, in the documented order.
        var defaultAgent = DefaultAgent();
        foreach (var (rule, adapter) in _rules)
        {
            if (rule.Match(headers) is { } reason)
            {
                // The built-in default does not count as a choice: only a changed default takes a mimicked signal.
                var mimic = rule.YieldsToChangedDefault && defaultAgent != adapter && defaultAgent.Name != AgentAdapterNames.Default;
                return new AgentDetection(mimic ? defaultAgent : adapter, reason);
            }
        }

        // :: 8. Nothing recognised the caller.
        return new AgentDetection(defaultAgent, AgentDetection.DefaultReason);
    }

    private IAgentAdapter DefaultAgent() =>
        _registry.TryGet(_options.CurrentValue.DefaultAgent, out var adapter) ? adapter : _registry.Get(AgentAdapterNames.Default);
}

using AgentRelay.ProxyService.Configuration;
using Microsoft.Extensions.Options;

namespace AgentRelay.ProxyService.Adapters;

/// <summary>
/// Chooses the adapter from the request headers. The order is the contract (README, "Agent detection"):
/// <list type="number">
/// <item><c>x-relay-agent</c> naming a registered adapter or alias (unknown values fall through);</item>
/// <item>an OpenCode session header: <c>x-opencode-session</c>, <c>x-session-affinity</c>, <c>x-session-id</c>;</item>
/// <item>user agent <c>opencode/</c> → opencode; <c>factory-cli/</c> → droid; <c>Charm-Crush/</c> → crush;</item>
/// <item>user agent <c>claude-cli/</c> → claude-code, unless <c>Proxy:DefaultAgent</c> was changed to another adapter
/// (Pi-like agents mimic this user agent);</item>
/// <item>LiteLLM: user agent <c>litellm/</c>, or any header named <c>x-litellm-…</c> (case-insensitive);</item>
/// <item><c>Proxy:DefaultAgent</c>.</item>
/// </list>
/// User-agent prefixes are case-sensitive, as the clients send them; a prefix must start the value.
/// </summary>
public sealed class AgentDetector(AgentAdapterRegistry registry, IOptionsMonitor<ProxyOptions> options)
{
    /// <summary>Longest user agent kept in a reason; telemetry should not carry arbitrary client text.</summary>
    public const int MaxUserAgentLength = 200;

    private static readonly (string Prefix, string Adapter)[] s_userAgents =
    [
        ("opencode/", AgentAdapterNames.OpenCode),
        ("factory-cli/", AgentAdapterNames.Droid),
        ("Charm-Crush/", AgentAdapterNames.Crush),
    ];

    private const string ClaudeCliPrefix = "claude-cli/";
    private const string LiteLlmPrefix = "litellm/";

    public AgentDetection Detect(IHeaderDictionary headers)
    {
        // :: 1. An explicit choice beats every heuristic.
        var requested = headers[AgentHeaders.Agent].ToString().Trim().ToLowerInvariant();
        if (registry.TryGet(requested, out var chosen))
        {
            return new AgentDetection(chosen, AgentDetection.Override(requested));
        }

        // :: 2. OpenCode session headers, whatever the user agent (a LiteLLM in front of OpenCode stays OpenCode).
        foreach (var name in OpenCodeAdapter.SessionHeaders)
        {
            if (!string.IsNullOrWhiteSpace(headers[name].ToString()))
            {
                return new AgentDetection(registry.Get(AgentAdapterNames.OpenCode), AgentDetection.Header(name));
            }
        }

        // :: 3. User agents of agents that announce themselves.
        var userAgent = headers.UserAgent.ToString();
        var userAgentReason = AgentDetection.UserAgent(userAgent.Length > MaxUserAgentLength ? userAgent[..MaxUserAgentLength] : userAgent);
        foreach (var (prefix, adapter) in s_userAgents)
        {
            if (userAgent.StartsWith(prefix, StringComparison.Ordinal))
            {
                return new AgentDetection(registry.Get(adapter), userAgentReason);
            }
        }

        var defaultAgent = DefaultAgent();
        if (userAgent.StartsWith(ClaudeCliPrefix, StringComparison.Ordinal))
        {
            // The built-in default (opencode) does not count as a choice: only a changed default takes this user agent.
            var mimic = defaultAgent.Name is AgentAdapterNames.ClaudeCode or AgentAdapterNames.Default ? null : defaultAgent;
            return new AgentDetection(mimic ?? registry.Get(AgentAdapterNames.ClaudeCode), userAgentReason);
        }

        // :: 4. LiteLLM, whose default user agent is often python-httpx: its x-litellm-* headers give it away.
        if (userAgent.StartsWith(LiteLlmPrefix, StringComparison.Ordinal))
        {
            return new AgentDetection(registry.Get(AgentAdapterNames.LiteLlm), userAgentReason);
        }

        if (FirstLiteLlmHeader(headers) is { } liteLlmHeader)
        {
            return new AgentDetection(registry.Get(AgentAdapterNames.LiteLlm), AgentDetection.Header(liteLlmHeader));
        }

        // :: 5. Nothing recognised the caller.
        return new AgentDetection(defaultAgent, AgentDetection.DefaultReason);
    }

    private IAgentAdapter DefaultAgent() =>
        registry.TryGet(options.CurrentValue.DefaultAgent, out var adapter) ? adapter : registry.Get(AgentAdapterNames.Default);

    private static string? FirstLiteLlmHeader(IHeaderDictionary headers)
    {
        string? first = null;
        foreach (var name in headers.Keys)
        {
            if (name.StartsWith(AgentHeaders.LiteLlmPrefix, StringComparison.OrdinalIgnoreCase))
            {
                var lower = name.ToLowerInvariant();
                if (first is null || string.CompareOrdinal(lower, first) < 0)
                {
                    first = lower;
                }
            }
        }

        return first;
    }
}

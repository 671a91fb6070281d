namespace AgentRelay.ProxyService.Adapters;

/// <summary>
/// One signal in the request headers that identifies an agent, declared by the agent's adapter
/// (<see cref="IAgentAdapter.DetectionRules"/>). <see cref="AgentDetector"/> tries every adapter's rules in ascending
/// <see cref="Order"/>, which is the rule's number in the README's "Agent detection" table; rules with the same number
/// keep registration and declaration order.
/// </summary>
/// <param name="Order">The rule's place in the documented order (2 to 7; 1 is <c>x-relay-agent</c>, 8 the default).</param>
/// <param name="Match">The <see cref="AgentDetection.Reason"/> when the headers carry the signal, else <see langword="null"/>.</param>
/// <param name="YieldsToChangedDefault">When set, a match goes to <c>Proxy:DefaultAgent</c> instead whenever that was changed
/// from the built-in default to another adapter (agents that mimic this one's user agent, such as Pi with <c>claude-cli/</c>).</param>
public sealed record AgentDetectionRule(int Order, Func<IHeaderDictionary, string?> Match, bool YieldsToChangedDefault = false)
{
    /// <summary>Longest user agent kept in a reason; telemetry should not carry arbitrary client text.</summary>
    public const int MaxUserAgentLength = 200;

    /// <summary>The <c>User-Agent</c> starts with <paramref name="prefix"/> (case-sensitive, as the clients send it).</summary>
    public static AgentDetectionRule UserAgentStartsWith(int order, string prefix, bool yieldsToChangedDefault = false) =>
        new(order, headers =>
        {
            var userAgent = headers.UserAgent.ToString();
            return userAgent.StartsWith(prefix, StringComparison.Ordinal)
                ? AgentDetection.UserAgent(userAgent.Length > MaxUserAgentLength ? userAgent[..MaxUserAgentLength] : userAgent)
                : null;
        }, yieldsToChangedDefault);

    /// <summary>The first of <paramref name="names"/> present with a non-blank value.</summary>
    public static AgentDetectionRule HeaderPresent(int order, params string[] names) =>
        new(order, headers =>
        {
            foreach (var name in names)
            {
                if (!string.IsNullOrWhiteSpace(headers[name].ToString()))
                {
                    return AgentDetection.Header(name);
                }
            }

            return null;
        });

    /// <summary>Any header whose name starts with <paramref name="prefix"/> (any case); the reason names the
    /// alphabetically first, lower-cased.</summary>
    public static AgentDetectionRule HeaderNameStartsWith(int order, string prefix) =>
        new(order, headers =>
        {
            string? first = null;
            foreach (var name in headers.Keys)
            {
                if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                {
                    var lower = name.ToLowerInvariant();
                    if (first is null || string.CompareOrdinal(lower, first) < 0)
                    {
                        first = lower;
                    }
                }
            }

            return first is null ? null : AgentDetection.Header(first);
        });
}

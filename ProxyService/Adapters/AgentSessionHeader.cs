namespace AgentRelay.ProxyService.Adapters;

/// <summary>The agent's own session id and the header it came in. Telemetry records only <see cref="HeaderName"/>.</summary>
public sealed record AgentSessionHeader(string HeaderName, string Value)
{
    /// <summary>The first of <paramref name="names"/> present with a non-blank value, or <see langword="null"/>.</summary>
    public static AgentSessionHeader? FirstOf(IHeaderDictionary headers, params ReadOnlySpan<string> names)
    {
        foreach (var name in names)
        {
            var value = headers[name].ToString().Trim();
            if (value.Length > 0)
            {
                return new AgentSessionHeader(name, value);
            }
        }

        return null;
    }
}

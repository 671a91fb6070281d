using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Memory;

namespace AgentRelay.ProxyService.Configuration;

/// <summary>
/// The documented short environment names (<c>MAX_CONCURRENT_SESSIONS</c>, <c>DEBUG_PROXY</c>). They rank just below
/// the canonical environment variables, so <c>Proxy__MaxConcurrentSessions</c> and the command line still win,
/// but above appsettings.json.
/// </summary>
internal static class EnvironmentAliases
{
    private static readonly (string Alias, string Key)[] s_aliases =
    [
        ("MAX_CONCURRENT_SESSIONS", "Proxy:MaxConcurrentSessions"),
        ("DEBUG_PROXY", "Proxy:Debug"),
    ];

    public static void AddEnvironmentAliases(this IConfigurationManager configuration, Func<string, string?>? readVariable = null)
    {
        readVariable ??= Environment.GetEnvironmentVariable;
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (alias, key) in s_aliases)
        {
            if (readVariable(alias) is { Length: > 0 } value)
            {
                values[key] = value;
            }
        }

        if (values.Count == 0)
        {
            return;
        }

        var sources = configuration.Sources;
        var source = new MemoryConfigurationSource { InitialData = values };
        var environmentIndex = sources.ToList().FindIndex(s => s is EnvironmentVariablesConfigurationSource { Prefix: null or "" });
        sources.Insert(environmentIndex < 0 ? 0 : environmentIndex, source);
    }
}

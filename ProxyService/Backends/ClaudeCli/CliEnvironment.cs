namespace AgentRelay.ProxyService.Backends.ClaudeCli;

/// <summary>
/// The CLI process's environment, built explicitly: the proxy's own, minus the variables that would point the CLI back
/// at the proxy (or at the caller's key), plus the switches that keep it quiet and leave retries to AgentRelay, plus
/// <c>Backend:Environment:*</c> (which wins over everything but the per-request values).
/// </summary>
public static class CliEnvironment
{
    /// <summary>Inherited variables that are never passed on.</summary>
    public static readonly IReadOnlyList<string> Stripped =
    [
        "ANTHROPIC_API_KEY",
        "ANTHROPIC_BASE_URL",
        "ANTHROPIC_AUTH_TOKEN",
        // Set when the proxy itself runs inside a Claude Code session; the child would take itself for a nested one.
        "CLAUDECODE",
        "CLAUDE_CODE_ENTRYPOINT",
    ];

    /// <summary>What every CLI process gets unless <c>Backend:Environment</c> says otherwise.</summary>
    public static readonly IReadOnlyDictionary<string, string> Defaults = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        // No side traffic to Anthropic (MCP registry, event logging, feature flags): measured 3 connections → 0.
        ["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] = "1",
        ["DISABLE_AUTOUPDATER"] = "1",
        ["DISABLE_TELEMETRY"] = "1",
        ["DISABLE_ERROR_REPORTING"] = "1",
        // The CLI's own API retries (10 by default, minutes of waiting) would hide rate limits from AgentRelay's retry
        // policy, which decides, traces and reports them. 0 = one upstream request per CLI run.
        ["CLAUDE_CODE_MAX_RETRIES"] = "0",
        // Without it a failed stream is repeated as a non-streaming request: a second upstream call nobody asked for.
        ["CLAUDE_CODE_DISABLE_NONSTREAMING_FALLBACK"] = "1",
        // The client's tools are listed to the model directly instead of behind the ToolSearch tool.
        ["ENABLE_TOOL_SEARCH"] = "false",
        ["ENABLE_CLAUDEAI_MCP_SERVERS"] = "false",
        // The CLI is a Bun executable. Bun's own GC timer wakes an idle process every second to collect (JavaScriptCore
        // still collects as it allocates). Kept processes are idle most of their life: measured with 2.1.330, 18 idle CLIs
        // used 180 ms of CPU per second with it and 60 ms without (RSS +28 MB per process), and a warm turn beside them
        // took 70 ms instead of 95 ms.
        ["BUN_GC_TIMER_DISABLE"] = "1",
    };

    /// <summary>The CLI's timeout of an MCP tool call, in milliseconds; a client tool call is one.</summary>
    public const string McpToolTimeout = "MCP_TOOL_TIMEOUT";

    public static string Milliseconds(TimeSpan value) =>
        ((long)value.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static Dictionary<string, string?> Build(
        IEnumerable<KeyValuePair<string, string?>> inherited,
        IReadOnlyDictionary<string, string> configured,
        IReadOnlyDictionary<string, string> perRequest)
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (name, value) in inherited)
        {
            if (!Stripped.Contains(name))
            {
                environment[name] = value;
            }
        }

        foreach (var (name, value) in Defaults)
        {
            environment[name] = value;
        }

        foreach (var (name, value) in configured)
        {
            environment[name] = value;
        }

        foreach (var (name, value) in perRequest)
        {
            environment[name] = value;
        }

        return environment;
    }

    /// <summary>The proxy's own environment.</summary>
    public static IEnumerable<KeyValuePair<string, string?>> Inherited()
    {
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            yield return new KeyValuePair<string, string?>((string)entry.Key, entry.Value as string);
        }
    }
}

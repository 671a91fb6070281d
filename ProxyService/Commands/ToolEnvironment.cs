namespace AgentRelay.ProxyService.Commands;

/// <summary>Where the user's config files live: HOME and the XDG config folder, read once so tests can pass their own.</summary>
/// <param name="Home">The user's home folder.</param>
/// <param name="ConfigHome">XDG_CONFIG_HOME, or <c>~/.config</c>.</param>
/// <param name="Variables">The environment the commands see (for agent-specific overrides such as PI_CODING_AGENT_DIR).</param>
public sealed record ToolEnvironment(string Home, string ConfigHome, IReadOnlyDictionary<string, string> Variables)
{
    public static ToolEnvironment FromProcess()
    {
        var variables = Environment.GetEnvironmentVariables()
            .Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? string.Empty, StringComparer.Ordinal);
        var home = variables.GetValueOrDefault("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var configHome = variables.GetValueOrDefault("XDG_CONFIG_HOME") is { Length: > 0 } x ? x : Path.Combine(home, ".config");
        return new ToolEnvironment(home, configHome, variables);
    }

    /// <summary>The value of an environment variable, or <see langword="null"/> when unset or empty.</summary>
    public string? Get(string name) => Variables.GetValueOrDefault(name) is { Length: > 0 } value ? value : null;
}

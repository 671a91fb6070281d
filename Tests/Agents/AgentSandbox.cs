using System.Diagnostics;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Tests.Agents;

/// <summary>
/// A temp HOME, working directory and TMPDIR for one agent, and a clean environment for its processes: only PATH,
/// those folders and every switch that keeps the agents offline. Everything is deleted on dispose.
/// </summary>
public sealed class AgentSandbox : IDisposable
{
    /// <summary>
    /// A hang guard only. On an idle machine an agent takes seconds (OpenCode ~5 s, Droid ~8 s of it waiting on telemetry
    /// it cannot send); on a 2-core machine running several suites, OpenCode's one-shot was measured at 75–165 s.
    /// </summary>
    public static readonly TimeSpan AgentTimeout = TimeSpan.FromSeconds(420);

    /// <summary>From CLIENTS.md: what stops each agent's side connections (Droid's telemetry cannot be stopped; it only waits).</summary>
    private static readonly Dictionary<string, string> s_offlineSwitches = new()
    {
        ["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] = "1",
        ["DISABLE_AUTOUPDATER"] = "1",
        ["DISABLE_TELEMETRY"] = "1",
        ["DISABLE_ERROR_REPORTING"] = "1",
        ["OPENCODE_DISABLE_MODELS_FETCH"] = "1",
        ["OPENCODE_DISABLE_AUTOUPDATE"] = "1",
        ["OPENCODE_DISABLE_DEFAULT_PLUGINS"] = "1",
        ["PI_OFFLINE"] = "1",
        ["PI_SKIP_VERSION_CHECK"] = "1",
        ["PI_TELEMETRY"] = "0",
        ["FACTORY_OTEL_ENABLED"] = "false",
        ["FACTORY_DROID_AUTO_UPDATE_ENABLED"] = "false",
        ["FACTORY_DISABLE_DYNAMIC_CONFIG"] = "1",
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_NOLOGO"] = "1",
    };

    private readonly TempDirectory _directory = new("relay-agent-");

    public AgentSandbox()
    {
        _directory.Sub("home");
        _directory.Sub("work");
        _directory.Sub("tmp");
    }

    public string Home => _directory.Combine("home");

    public string WorkDirectory => _directory.Combine("work");

    /// <summary>A further folder in the sandbox, created.</summary>
    public string Sub(string name) => _directory.Sub(name);

    /// <summary>An agent from Tests/clients/node_modules/.bin.</summary>
    public static string Client(string executable)
    {
        var path = Path.Combine(RepositoryPaths.ClientsNodeModules, ".bin", executable);
        Assert.True(File.Exists(path), $"{executable} is not installed at {path} (the Tests build installs Tests/clients).");
        return path;
    }

    /// <summary>Runs a process in the working directory with the clean environment, killed with its tree on timeout.</summary>
    public async Task<AgentRun> RunAsync(string path, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var start = StartInfo(path, arguments, environment);
        var watch = Stopwatch.StartNew();
        var (exitCode, stdout, stderr) = await Processes.RunAsync(start, timeout ?? AgentTimeout);
        return new AgentRun(exitCode, stdout, stderr, watch.Elapsed);
    }

    public ProcessStartInfo StartInfo(string path, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(path, arguments) { WorkingDirectory = WorkDirectory };
        start.Environment.Clear();
        start.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH");
        start.Environment["HOME"] = Home;
        start.Environment["TMPDIR"] = _directory.Combine("tmp");
        start.Environment["XDG_CONFIG_HOME"] = Path.Combine(Home, ".config");
        start.Environment["XDG_DATA_HOME"] = Path.Combine(Home, ".local", "share");
        start.Environment["XDG_CACHE_HOME"] = Path.Combine(Home, ".cache");
        start.Environment["XDG_STATE_HOME"] = Path.Combine(Home, ".local", "state");
        foreach (var (name, value) in s_offlineSwitches)
        {
            start.Environment[name] = value;
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return start;
    }

    public void Dispose() => _directory.Dispose();
}

/// <summary>What an agent run printed, and how long it took (reported, never asserted).</summary>
public sealed record AgentRun(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    public string Describe() => $"exit {ExitCode} after {Elapsed.TotalSeconds:F1} s\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}

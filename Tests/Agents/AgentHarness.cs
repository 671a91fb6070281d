using System.Diagnostics;
using System.Text.Json.Nodes;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Tests.Agents;

/// <summary>
/// One real agent against AgentRelay: a temp HOME (configured by <c>agentrelay setup</c>, the command the global tool
/// runs), a working directory, the proxy over the real CLI and the fake upstream, and a clean, offline environment.
/// </summary>
public sealed class AgentHarness : IAsyncDisposable
{
    /// <summary>A hang guard only: the agents take seconds (Droid ~8 s of it waiting on telemetry it cannot send).</summary>
    public static readonly TimeSpan AgentTimeout = TimeSpan.FromSeconds(240);

    private readonly TempDirectory _directory;

    private AgentHarness(TempDirectory directory, RelayUnderTest relay)
    {
        _directory = directory;
        Relay = relay;
    }

    public RelayUnderTest Relay { get; }

    public string Home => _directory.Combine("home");

    public string WorkDirectory => _directory.Combine("work");

    /// <summary>The file the probe tool appends to, one line per run.</summary>
    public string ProbeFile => Path.Combine(WorkDirectory, "probe.txt");

    /// <param name="cliSharesHome">The proxy's CLI runs with the agent's HOME (and so sees its config files).</param>
    public static async Task<AgentHarness> StartAsync(bool cliSharesHome = false)
    {
        var directory = new TempDirectory("relay-agent-");
        directory.Sub("home");
        directory.Sub("work");
        directory.Sub("tmp");
        var cliHome = cliSharesHome ? directory.Combine("home") : directory.Sub("cli-home");
        return new AgentHarness(directory, await RelayUnderTest.StartAsync(cliHome, directory.Sub("cli-tmp")));
    }

    /// <summary>
    /// <c>agentrelay setup &lt;agent&gt; --port P --api-key K</c> with HOME = the temp home: the global tool's own code,
    /// run from the built ProxyService (the packed tool is exercised by <see cref="GlobalToolTests"/>).
    /// </summary>
    public async Task<string> SetupAsync(string agent)
    {
        var start = new ProcessStartInfo("dotnet", [RepositoryPaths.ProxyServiceDll, "setup", agent, "--port", Relay.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--api-key", Relay.ApiKey]);
        Isolate(start);
        var (exitCode, stdout, stderr) = await Processes.RunAsync(start, TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 0, $"agentrelay setup {agent} exited {exitCode}: {stdout}{stderr}");
        Assert.DoesNotContain(Relay.ApiKey, stdout, StringComparison.Ordinal);
        return stdout;
    }

    /// <summary>Runs an agent's executable from Tests/clients in the working directory, killed with its tree on timeout.</summary>
    public async Task<AgentRun> RunAsync(string executable, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var path = Path.Combine(RepositoryPaths.ClientsNodeModules, ".bin", executable);
        Assert.True(File.Exists(path), $"{executable} is not installed at {path} (the Tests build installs Tests/clients).");
        var start = new ProcessStartInfo(path, arguments) { WorkingDirectory = WorkDirectory };
        Isolate(start);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var watch = Stopwatch.StartNew();
        var (exitCode, stdout, stderr) = await Processes.RunAsync(start, AgentTimeout);
        return new AgentRun(exitCode, stdout, stderr, watch.Elapsed);
    }

    /// <summary>Asserts that every <c>/v1/messages</c> request the proxy handled went to <paramref name="adapter"/> and succeeded.</summary>
    public async Task<IReadOnlyList<JsonObject>> AssertAdapterAsync(string adapter, string reasonPrefix)
    {
        var records = await Relay.MessageRecordsAsync();
        Assert.NotEmpty(records);
        Assert.All(records, record =>
        {
            Assert.Equal(adapter, record["adapter"]!.GetValue<string>());
            Assert.StartsWith(reasonPrefix, record["adapterReason"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Equal(200, record["status"]!.GetValue<int>());
        });
        return records;
    }

    /// <summary>A clean environment: the temp HOME and XDG folders, and every switch that keeps the agents offline.</summary>
    private void Isolate(ProcessStartInfo start)
    {
        start.Environment.Clear();
        start.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH");
        start.Environment["HOME"] = Home;
        start.Environment["TMPDIR"] = _directory.Combine("tmp");
        start.Environment["XDG_CONFIG_HOME"] = Path.Combine(Home, ".config");
        start.Environment["XDG_DATA_HOME"] = Path.Combine(Home, ".local", "share");
        start.Environment["XDG_CACHE_HOME"] = Path.Combine(Home, ".cache");
        start.Environment["XDG_STATE_HOME"] = Path.Combine(Home, ".local", "state");
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in OfflineSwitches)
        {
            start.Environment[name] = value;
        }
    }

    /// <summary>From CLIENTS.md: what stops each agent's side connections (Droid's telemetry cannot be stopped; it only waits).</summary>
    private static readonly Dictionary<string, string> OfflineSwitches = new()
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
    };

    public async ValueTask DisposeAsync()
    {
        await Relay.DisposeAsync();
        _directory.Dispose();
    }
}

/// <summary>What an agent run printed, and how long it took (reported, never asserted).</summary>
public sealed record AgentRun(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    public string Describe() => $"exit {ExitCode} after {Elapsed.TotalSeconds:F1} s\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}

using System.Globalization;
using System.Text.Json.Nodes;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Tests.Agents;

/// <summary>
/// One real agent against AgentRelay: an <see cref="AgentSandbox"/> whose HOME is configured by <c>agentrelay setup</c>,
/// and the proxy over the real CLI and the fake upstream.
/// </summary>
public sealed class AgentHarness : IAsyncDisposable
{
    private AgentHarness(AgentSandbox sandbox, RelayUnderTest relay)
    {
        Sandbox = sandbox;
        Relay = relay;
    }

    public AgentSandbox Sandbox { get; }

    public RelayUnderTest Relay { get; }

    /// <summary>The file the probe tool appends to, one line per run.</summary>
    public string ProbeFile => Path.Combine(Sandbox.WorkDirectory, "probe.txt");

    /// <param name="cliSharesHome">The proxy's CLI runs with the agent's HOME (and so sees its config files).</param>
    public static async Task<AgentHarness> StartAsync(bool cliSharesHome = false)
    {
        var sandbox = new AgentSandbox();
        var cliHome = cliSharesHome ? sandbox.Home : sandbox.Sub("cli-home");
        return new AgentHarness(sandbox, await RelayUnderTest.StartAsync(cliHome, sandbox.Sub("cli-tmp")));
    }

    /// <summary>
    /// <c>agentrelay setup &lt;agent&gt; --port P --api-key K</c> in the sandbox: the global tool's own code, run from the
    /// built ProxyService (the packed and installed tool is exercised by <see cref="GlobalToolTests"/>).
    /// </summary>
    public async Task<string> SetupAsync(string agent)
    {
        var run = await Sandbox.RunAsync("dotnet",
            [RepositoryPaths.ProxyServiceDll, "setup", agent, "--port", Relay.Port.ToString(CultureInfo.InvariantCulture), "--api-key", Relay.ApiKey],
            timeout: TimeSpan.FromSeconds(60));
        Assert.True(run.ExitCode == 0, $"agentrelay setup {agent}: {run.Describe()}");
        Assert.DoesNotContain(Relay.ApiKey, run.Stdout, StringComparison.Ordinal);
        return run.Stdout;
    }

    /// <summary>Runs an agent from Tests/clients in the sandbox.</summary>
    public Task<AgentRun> RunAsync(string executable, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null) =>
        Sandbox.RunAsync(AgentSandbox.Client(executable), arguments, environment);

    /// <summary>Asserts that every <c>/v1/messages</c> request the proxy handled went to <paramref name="adapter"/> and succeeded.</summary>
    public async Task<IReadOnlyList<JsonObject>> AssertAdapterAsync(string adapter, string reasonPrefix)
    {
        var records = await Relay.MessageRecordsAsync();
        AssertAdapter(records, adapter, reasonPrefix);
        return records;
    }

    public static void AssertAdapter(IReadOnlyList<JsonObject> records, string adapter, string reasonPrefix)
    {
        Assert.NotEmpty(records);
        Assert.All(records, record =>
        {
            Assert.Equal(adapter, record["adapter"]!.GetValue<string>());
            Assert.StartsWith(reasonPrefix, record["adapterReason"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Equal(200, record["status"]!.GetValue<int>());
        });
    }

    public async ValueTask DisposeAsync()
    {
        await Relay.DisposeAsync();
        Sandbox.Dispose();
    }
}

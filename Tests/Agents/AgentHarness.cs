using System.Globalization;
using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Commands;

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
    /// <c>agentrelay setup &lt;agent&gt; --port P --api-key K</c> with the sandbox's HOME: the global tool's own command,
    /// called in process (the packed and installed tool is exercised by <see cref="GlobalToolTests"/>).
    /// </summary>
    public async Task<string> SetupAsync(string agent)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var environment = new ToolEnvironment(Sandbox.Home, Path.Combine(Sandbox.Home, ".config"), new Dictionary<string, string>());
        var exitCode = await SetupCommand.RunAsync(
            [agent, "--port", Relay.Port.ToString(CultureInfo.InvariantCulture), "--api-key", Relay.ApiKey], environment, output, error);
        Assert.True(exitCode == 0, $"agentrelay setup {agent} exited {exitCode}: {output}{error}");
        Assert.DoesNotContain(Relay.ApiKey, output.ToString(), StringComparison.Ordinal);
        return output.ToString();
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

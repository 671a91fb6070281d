using AgentRelay.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRelay.Tests.Agents;

/// <summary>
/// AgentRelay on a real loopback port (in process), with the real <c>claude</c> CLI as its backend, pointed at a
/// <see cref="FakeAnthropicServer"/>; <see cref="ApiKey"/> is required from clients. The CLI runs with
/// <paramref name="cliHome"/> as HOME, so a test can give it the agent's own HOME.
/// </summary>
public sealed class RelayUnderTest : IAsyncDisposable
{
    private RelayUnderTest(FakeAnthropicServer upstream, string cliHome, string cliTmp)
    {
        Upstream = upstream;
        var settings = new Dictionary<string, string?>(RealCli.BackendSettings(upstream.BaseUrl, cliHome, cliTmp, upstreamApiKey: "sk-upstream-test")!)
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Proxy:ApiKey"] = ApiKey,
        };
        Factory = new ProxyFactory(settings);
        Factory.UseKestrel();
        Factory.StartServer();
        BaseUrl = Factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Http = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(30) };
        Http.DefaultRequestHeaders.Add("x-api-key", ApiKey);
    }

    /// <summary>The key the proxy requires (<c>Proxy:ApiKey</c>); agents get it from <c>agentrelay setup --api-key</c>.</summary>
    public string ApiKey { get; } = "sk-relay-" + Guid.NewGuid().ToString("N")[..12];

    public FakeAnthropicServer Upstream { get; }

    public ProxyFactory Factory { get; }

    /// <summary>The proxy's address, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string BaseUrl { get; }

    public int Port => new Uri(BaseUrl).Port;

    public HttpClient Http { get; }

    public static async Task<RelayUnderTest> StartAsync(string cliHome, string cliTmp)
    {
        // Not a skip: without the real CLI and agents this group proves nothing; the test build installs them.
        Assert.True(File.Exists(RepositoryPaths.ClaudeCli), $"The real claude CLI is not installed at {RepositoryPaths.ClaudeCli} (the Tests build installs it: eng/install-test-prerequisites.sh).");
        return new RelayUnderTest(await FakeAnthropicServer.StartAsync(), cliHome, cliTmp);
    }

    /// <summary>The proxy's records of <c>/v1/messages</c> requests, oldest first.</summary>
    public async Task<IReadOnlyList<System.Text.Json.Nodes.JsonObject>> MessageRecordsAsync()
    {
        var json = await Http.GetStringAsync("/telemetry/requests?limit=200", TestContext.Current.CancellationToken);
        return [.. System.Text.Json.Nodes.JsonNode.Parse(json)!.AsArray()
            .OfType<System.Text.Json.Nodes.JsonObject>()
            .Where(r => r["path"]?.GetValue<string>() == "/v1/messages")
            .Reverse()];
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        var pids = Factory.Services.GetRequiredService<AgentRelay.ProxyService.Backends.ClaudeCli.Runtime.CliProcessRegistry>().RecentIds;
        await Factory.DisposeAsync();
        foreach (var pid in pids)
        {
            Processes.KillIfRunning(pid);
        }

        await Upstream.DisposeAsync();
    }
}

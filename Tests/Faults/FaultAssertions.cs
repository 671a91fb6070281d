using System.Net;
using System.Text.Json.Nodes;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Tests.Faults;

/// <summary>What every fault test checks after the fault: the service is healthy and nothing it started is left.</summary>
public static class FaultAssertions
{
    /// <summary>The process still runs and answers <c>/alive</c> and <c>/health</c> (readiness may be <paramref name="allowDegraded"/>).</summary>
    public static async Task AssertHealthyAsync(ProxyProcess proxy, bool allowDegraded = false)
    {
        Assert.False(proxy.HasExited, "the proxy process exited:\n" + proxy.Output);
        using var client = new HttpClient { BaseAddress = new Uri(proxy.BaseUrl), Timeout = TimeSpan.FromSeconds(20) };
        using var alive = await client.GetAsync("/alive", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        using var health = await client.GetAsync("/health", TestContext.Current.CancellationToken);
        var status = JsonNode.Parse(await health.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!["status"]!.GetValue<string>();
        Assert.True(status == "healthy" || (allowDegraded && status == "degraded"), $"/health says {status}");
    }

    /// <summary>No process started by the proxy is left (bounded wait: a kill is asynchronous).</summary>
    public static async Task AssertNoChildProcessesAsync(ProxyProcess proxy, TimeSpan? within = null)
    {
        var gone = await Processes.WaitUntilAsync(() => ProcessTree.Descendants(proxy.ProcessId).Count == 0, within ?? TimeSpan.FromSeconds(5));
        Assert.True(gone is not null, "left behind: " + string.Join("; ", ProcessTree.Descendants(proxy.ProcessId).Select(ProcessTree.Describe)));
    }
}

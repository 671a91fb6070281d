using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Tests.AppHost;

/// <summary>The AppHost as a user runs it: Redis, two replicas behind one port, supervision and a graceful stop.</summary>
public sealed class AppHostTests
{
    private const string Request = """{"model":"claude-sonnet-4-6","max_tokens":50,"messages":[{"role":"user","content":"hi"}]}""";

    [Fact]
    public async Task Two_replicas_behind_one_port_a_killed_replica_is_restarted_and_stop_leaves_no_process()
    {
        var token = TestContext.Current.CancellationToken;
        var clock = Stopwatch.StartNew();
        void Phase(string name) => TestContext.Current.TestOutputHelper?.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: {name}");
        await using var upstream = await FakeAnthropicServer.StartAsync();
        await using var host = await AppHostProcess.StartAsync(2, new Dictionary<string, string>
        {
            ["Backend__Kind"] = "AnthropicApi",
            ["Backend__BaseUrl"] = upstream.BaseUrl,
        }, token);

        Phase("ready");
        var resources = await host.ResourcesAsync(token);
        Assert.Equal("Running", State(resources, "redis"));
        var pids = new[] { "proxy-0", "proxy-1", "redis" }.ToDictionary(name => name, name => Resource(resources, name)["pid"]!.GetValue<int>());

        // Aspire's wiring, read from the replica's real environment.
        var environment = ProcessEnvironment(pids["proxy-1"]);
        Assert.Equal("proxy", environment["OTEL_SERVICE_NAME"]);
        Assert.Equal("service.instance.id=proxy-1", environment["OTEL_RESOURCE_ATTRIBUTES"]);
        Assert.Equal(Resource(resources, "proxy-1")["url"]!.GetValue<string>(), environment["ASPNETCORE_URLS"]);
        Assert.Equal(Resource(resources, "redis")["url"]!.GetValue<string>(), "redis://" + environment["ConnectionStrings__redis"]);

        // One port, both replicas answer (round robin, no affinity). On a busy machine a replica can briefly fail the
        // front door's health check and be routed around, so keep asking for a while rather than expect an even split.
        var served = new HashSet<string>();
        for (var i = 0; i < 12 && served.Count < 2; i++)
        {
            await SendAsync(host, token);
            served = JsonNode.Parse(await host.Http.GetStringAsync(host.DashboardUrl + "/api/requests?limit=20", token))!.AsArray()
                .Select(r => r!["replica"]!.GetValue<string>()).ToHashSet();
        }

        Assert.Equal(["proxy-0", "proxy-1"], served.Order());

        Phase("served");
        // A crash: the supervisor restarts the replica, visibly, and the front door keeps answering.
        Process.GetProcessById(pids["proxy-1"]).Kill();
        resources = await host.WaitForResourcesAsync(r => Resource(r, "proxy-1") is { } p && p["restarts"]!.GetValue<int>() == 1
            && p["state"]!.GetValue<string>() == "Running", TimeSpan.FromSeconds(30), token);
        Phase("restarted");
        Assert.NotEqual(pids["proxy-1"], Resource(resources, "proxy-1")["pid"]!.GetValue<int>());
        Assert.Contains("exited with code 137", host.Output, StringComparison.Ordinal);
        for (var i = 0; i < 4; i++)
        {
            await SendAsync(host, token);
        }

        // SIGTERM: everything stops gracefully and nothing is left behind.
        var restartedPid = Resource(resources, "proxy-1")["pid"]!.GetValue<int>();
        Assert.Equal(0, await host.StopAsync(TimeSpan.FromSeconds(20)));
        Phase("stopped");
        foreach (var pid in new[] { pids["proxy-0"], restartedPid, pids["redis"] })
        {
            Assert.False(IsRunning(pid), $"process {pid} outlived the AppHost");
        }
    }

    [Fact]
    public async Task Without_redis_the_apphost_says_so_and_a_single_replica_serves_the_public_port_with_forwarded_arguments()
    {
        var token = TestContext.Current.CancellationToken;
        await using var upstream = await FakeAnthropicServer.StartAsync();
        // No redis-server on PATH and no ConnectionStrings:redis; the backend settings come as AppHost arguments.
        await using var host = await AppHostProcess.StartAsync(1, new Dictionary<string, string> { ["PATH"] = "/nonexistent" }, token,
            "--Backend:Kind=AnthropicApi", $"--Backend:BaseUrl={upstream.BaseUrl}");

        var resources = await host.ResourcesAsync(token);
        Assert.Equal("NotAvailable", State(resources, "redis"));
        Assert.Contains("the proxy keeps sessions and limits in process", host.Output, StringComparison.Ordinal);
        var proxy = Resource(resources, "proxy");
        Assert.Equal(host.ProxyUrl, proxy["url"]!.GetValue<string>());
        Assert.DoesNotContain("ConnectionStrings__redis", ProcessEnvironment(proxy["pid"]!.GetValue<int>()).Keys);
        await SendAsync(host, token);
        Assert.Single(upstream.Requests);
    }

    private static async Task SendAsync(AppHostProcess host, CancellationToken token)
    {
        var response = await host.Http.PostAsync(host.ProxyUrl + "/v1/messages", new StringContent(Request, Encoding.UTF8, "application/json"), token);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync(token)}");
    }

    private static JsonNode Resource(JsonArray resources, string name) => resources.Single(r => r!["name"]!.GetValue<string>() == name)!;

    private static string State(JsonArray resources, string name) => Resource(resources, name)["state"]!.GetValue<string>();

    private static Dictionary<string, string> ProcessEnvironment(int pid) =>
        File.ReadAllText($"/proc/{pid}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(entry => entry.Split('=', 2)).Where(pair => pair.Length == 2)
            .GroupBy(pair => pair[0]).ToDictionary(group => group.Key, group => group.Last()[1]);

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}

extern alias AppHostAssembly;

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AgentRelay.Tests.Infrastructure;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRelay.Tests.AppHost;

/// <summary>
/// The real AppHost through <c>Aspire.Hosting.Testing</c>: executable Redis, two replicas behind the front door, the
/// AnthropicApi backend on a loopback fake. Ports are the orchestrator's free ones.
/// </summary>
public sealed class AppHostTests
{
    private const string Request = """{"model":"claude-sonnet-4-6","max_tokens":50,"messages":[{"role":"user","content":"hi"}]}""";

    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(180);

    [Fact]
    public async Task Two_replicas_share_one_limit_behind_the_front_door_a_killed_replica_comes_back_and_stop_leaves_nothing_running()
    {
        var token = TestContext.Current.CancellationToken;
        var clock = Stopwatch.StartNew();
        void Phase(string name) => TestContext.Current.TestOutputHelper?.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: {name}");
        await using var upstream = await FakeAnthropicServer.StartAsync();
        // Slow answers, so that requests overlap and only the shared limit keeps them apart.
        upstream.DefaultReply = Replies.SseReply(AnthropicStreams.Text("Hello from the fake upstream."), TimeSpan.FromMilliseconds(60));

        var builder = await DistributedApplicationTestingBuilder.CreateAsync<AppHostAssembly::Projects.AppHost>(
            ["--replicas", "2", "--port", "0", "--redis", "executable",
             "--Backend:Kind=AnthropicApi", $"--Backend:BaseUrl={upstream.BaseUrl}", "--Proxy:MaxConcurrentSessions=1"], token);
        var app = await builder.BuildAsync(token);
        var pids = new List<int>();
        try
        {
            await app.StartAsync(token).WaitAsync(s_startTimeout, token);
            var notifications = app.Services.GetRequiredService<ResourceNotificationService>();
            foreach (var name in new[] { "redis", "proxy-1", "proxy-2" })
            {
                await notifications.WaitForResourceHealthyAsync(name, token).WaitAsync(s_startTimeout, token);
            }

            await notifications.WaitForResourceHealthyAsync("frontdoor", token).WaitAsync(s_startTimeout, token);
            Phase("healthy");
            // Each replica links its own /telemetry page from its resource in the dashboard.
            Assert.True(notifications.TryGetCurrentState("proxy-1", out var proxy1));
            Assert.Contains(proxy1!.Snapshot.Urls, url => url.Url.EndsWith("/telemetry", StringComparison.Ordinal) && url.DisplayProperties.DisplayName == "telemetry");
            using var frontDoor = app.CreateHttpClient("frontdoor", "http");
            frontDoor.Timeout = TimeSpan.FromSeconds(60);

            // Both replicas serve through the one port. On a busy machine a replica can briefly fail the front door's
            // health probe and be routed around, so keep asking for a while rather than expect an even split.
            var served = new Dictionary<string, int>();
            for (var round = 0; round < 30 && !(served.Count == 2 && served.Values.All(count => count > 0)); round++)
            {
                Assert.Equal(HttpStatusCode.OK, (await frontDoor.PostAsync("/v1/messages", Json(Request), token)).StatusCode);
                foreach (var replica in new[] { "proxy-1", "proxy-2" })
                {
                    using var client = app.CreateHttpClient(replica, "http");
                    served[replica] = JsonNode.Parse(await client.GetStringAsync("/telemetry/requests", token))!.AsArray().Count;
                }
            }

            Assert.True(served.Values.All(count => count > 0), $"served: {string.Join(", ", served)}");

            // Overlapping requests over both replicas: one shared limit of 1 means one upstream call at a time.
            var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => frontDoor.PostAsync("/v1/messages", Json(Request), token)));
            Assert.All(responses, response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
            Assert.Equal(1, upstream.MaxConcurrent);
            Phase("served by both replicas, one at a time");

            pids.AddRange(LauncherPids(notifications));
            pids.AddRange(pids.SelectMany(ProcessTree.ChildrenOf).ToList());
            var redisPid = ResourcePid(notifications, "redis");
            pids.Add(redisPid);

            // A crash: the watchdog starts the replica again, and says so on the resource.
            var victim = Assert.Single(ProcessTree.ChildrenOf(ResourcePid(notifications, "proxy-2")));
            Process.GetProcessById(victim).Kill();
            await notifications.WaitForResourceAsync("proxy-2", update =>
                update.Snapshot.Properties.Any(p => p.Name == "watchdog.restarts" && Convert.ToInt32(p.Value, CultureInfo.InvariantCulture) == 1)
                && update.Snapshot.HealthStatus == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, token).WaitAsync(s_startTimeout, token);
            Phase("restarted");
            var restarted = ResourcePid(notifications, "proxy-2");
            pids.Add(restarted);
            pids.AddRange(ProcessTree.ChildrenOf(restarted));
            Assert.DoesNotContain(victim, ProcessTree.ChildrenOf(restarted));
            using var replica2 = app.CreateHttpClient("proxy-2", "http");
            Assert.Equal(HttpStatusCode.OK, (await replica2.PostAsync("/v1/messages", Json(Request), token)).StatusCode);

            var stopping = Stopwatch.StartNew();
            await app.StopAsync(token);
            await app.DisposeAsync();
            var left = await ProcessTree.WaitForExitAsync(pids, TimeSpan.FromSeconds(15));
            Phase($"stopped in {stopping.Elapsed.TotalSeconds:0.0} s");
            Assert.True(left.Length == 0, $"still running after stop: {string.Join(", ", left)}");
        }
        finally
        {
            await app.DisposeAsync();
            foreach (var pid in pids.Where(ProcessTree.IsRunning))
            {
                Process.GetProcessById(pid).Kill(entireProcessTree: true);
            }
        }
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static IEnumerable<int> LauncherPids(ResourceNotificationService notifications) =>
        new[] { "proxy-1", "proxy-2", "frontdoor" }.Select(name => ResourcePid(notifications, name));

    /// <summary>The pid the orchestrator reports: for a project the <c>dotnet run</c> that launched it, for Redis the server.</summary>
    private static int ResourcePid(ResourceNotificationService notifications, string name)
    {
        Assert.True(notifications.TryGetCurrentState(name, out var resource), $"no resource {name}");
        var pid = resource!.Snapshot.Properties.Single(p => p.Name == "executable.pid").Value;
        return Convert.ToInt32(pid, CultureInfo.InvariantCulture);
    }
}

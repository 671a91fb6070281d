using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AgentRelay.ProxyService.Backends.ClaudeCli.Runtime;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Tests.Backends.ClaudeCli;

/// <summary>
/// The pool of CLI processes started ahead, with the real <c>claude</c> CLI behind the proxy and the fake Anthropic API:
/// a pooled process reports that it finished starting, starts at a lowered CPU priority and serves at the proxy's own,
/// the model sees the same request as from a new process, and no refill starts while a request waits for its first output.
/// </summary>
public sealed partial class CliPoolTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Pooled_process_is_known_ready_starts_at_a_lower_priority_and_serves_at_the_proxy_priority_with_the_same_upstream_request()
    {
        await using var proxy = await RealCliProxy.StartAsync(settings: new Dictionary<string, string> { ["Sessions:PoolSize"] = "1" });
        var question = new JsonArray(WarmCliTests.User("the same question"));
        Assert.Equal("Hello from the fake upstream.", await WarmCliTests.SendAsync(proxy, "pool-cold", question, stream: true));

        // The refill's process answered the readiness probe: it has finished starting and reads its input.
        Assert.NotNull(await Processes.WaitUntilAsync(() => proxy.Pool.ReadyCount == 1, TimeSpan.FromSeconds(60)));
        var pooled = proxy.Processes.RecentIds.Last();
        var proxyNice = Nice(Environment.ProcessId);
        Assert.All(ThreadNices(pooled), nice => Assert.Equal(CliPriority.Available ? proxyNice + CliPriority.Lowering : proxyNice, nice));

        Assert.Equal("Hello from the fake upstream.", await WarmCliTests.SendAsync(proxy, "pool-taken", question, stream: true));

        Assert.Contains(pooled, proxy.Warm.Pids);
        Assert.All(ThreadNices(pooled), nice => Assert.Equal(proxyNice, nice));
        var runtimes = JsonNode.Parse(await proxy.Http.GetStringAsync("/telemetry/requests?limit=2", Cancel))!.AsArray()
            .Select(r => r!["runtime"]!.GetValue<string>()).Reverse();
        Assert.Equal(["cold", "pool"], runtimes);
        // The probe changed nothing the model sees: the pooled process asked exactly what the new one asked.
        var bodies = proxy.Upstream.Requests.Select(r => Normalized(r.Body!)).ToList();
        Assert.Equal(2, bodies.Count);
        Assert.Equal(bodies[0], bodies[1]);
        await proxy.AssertNoCliProcessLeftAsync();
    }

    [Fact]
    public async Task Pool_starts_no_process_while_a_request_waits_for_its_first_output()
    {
        await using var proxy = await RealCliProxy.StartAsync(settings: new Dictionary<string, string> { ["Sessions:PoolSize"] = "1" });
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        proxy.Upstream.Enqueue(async context =>
        {
            await release.Task.WaitAsync(context.RequestAborted);
            await Replies.Sse(context, AnthropicStreams.Text("The held answer."));
        });
        proxy.Upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("The quick answer.")));

        var held = WarmCliTests.SendAsync(proxy, "held", new JsonArray(WarmCliTests.User("wait for me")), stream: true);
        Assert.NotNull(await Processes.WaitUntilAsync(() => !proxy.Upstream.Requests.IsEmpty, TimeSpan.FromSeconds(60)));
        Assert.Equal("The quick answer.", await WarmCliTests.SendAsync(proxy, "quick", new JsonArray(WarmCliTests.User("be quick")), stream: true));

        // The quick request's end asked for a refill; the held request still waits for its first output.
        await Task.Delay(TimeSpan.FromSeconds(2), Cancel);
        Assert.Equal(2, proxy.Processes.RecentIds.Count);
        Assert.Equal(0, proxy.Pool.Count);

        release.SetResult();
        Assert.Equal("The held answer.", await held);
        Assert.NotNull(await Processes.WaitUntilAsync(() => proxy.Pool.Count == 1, TimeSpan.FromSeconds(60)));
        Assert.Equal(3, proxy.Processes.RecentIds.Count);
        await proxy.AssertNoCliProcessLeftAsync();
    }

    /// <summary>Field 19 of <c>/proc/&lt;pid&gt;/stat</c>: the nice value of the process's main thread.</summary>
    private static int Nice(int pid) => NiceOf(File.ReadAllText($"/proc/{pid}/stat"));

    private static List<int> ThreadNices(int pid) =>
        [.. Directory.EnumerateDirectories($"/proc/{pid}/task").Select(task => NiceOf(File.ReadAllText(Path.Combine(task, "stat"))))];

    private static int NiceOf(string stat) =>
        int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[16], CultureInfo.InvariantCulture);

    /// <summary>An upstream request body without what differs between any two runs (ids, dates).</summary>
    private static string Normalized(JsonObject body) =>
        Dates().Replace(Uuids().Replace(body.ToJsonString(), "<uuid>"), "<date>");

    [GeneratedRegex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")]
    private static partial Regex Uuids();

    [GeneratedRegex(@"\d{4}-\d{2}-\d{2}")]
    private static partial Regex Dates();
}

using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Tests.Backends.ClaudeCli;

/// <summary>
/// No CLI outlives a proxy that is killed outright (SIGKILL, no shutdown code runs): every CLI reads its stdin from the
/// proxy, and the end of that pipe ends it, whether it is idle after a turn, holding a client tool call, or pooled and
/// never used.
/// </summary>
public sealed class CliOrphanTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Cli_processes_die_with_a_proxy_killed_by_sigkill()
    {
        await using var upstream = await FakeAnthropicServer.StartAsync();
        using var directory = new TempDirectory("relay-cli-orphan-");
        upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("Kept warm.")));
        upstream.Enqueue(Replies.SseReply(AnthropicStreams.ToolUse("toolu_orphan", "mcp__opencode__echo", """{"text":"ping"}""")));
        await using var proxy = await ProxyProcess.StartAsync(new Dictionary<string, string>(RealCli.BackendSettings(upstream.BaseUrl, directory.Sub("home"), directory.Sub("tmp")))
        {
            ["Sessions:PoolSize"] = "1",
        });
        using var http = new HttpClient { BaseAddress = new Uri(proxy.BaseUrl), Timeout = TimeSpan.FromSeconds(60) };

        // One conversation idle after its turn, one holding a client tool call, one process pooled.
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(Request("idle", "hello"), Cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(Request("tool", "use the tool"), Cancel)).StatusCode);
        var children = await Processes.WaitUntilAsync(() => ChildrenOf(proxy.ProcessId).Count >= 3, TimeSpan.FromSeconds(30));
        Assert.True(children is not null, $"expected 3 CLI processes under the proxy, found {ChildrenOf(proxy.ProcessId).Count}");
        var clis = ChildrenOf(proxy.ProcessId);

        System.Diagnostics.Process.GetProcessById(proxy.ProcessId).Kill();

        try
        {
            // A generous hang guard: on a loaded machine a CLI still starting up reads its stdin's end late.
            var gone = await Processes.WaitUntilAsync(() => clis.All(Processes.IsStopped), TimeSpan.FromSeconds(60));
            Assert.True(gone is not null, "CLI processes outlived the killed proxy: " + string.Join(", ", clis.Where(p => !Processes.IsStopped(p)).Select(p => $"{p} (#{clis.IndexOf(p)} of {clis.Count}, state {Processes.State(p)})")));
        }
        finally
        {
            foreach (var pid in clis)
            {
                Processes.KillIfRunning(pid);
            }
        }
    }

    /// <summary>The direct children of <paramref name="pid"/>, from <c>/proc</c>.</summary>
    private static List<int> ChildrenOf(int pid)
    {
        var children = new List<int>();
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                children.AddRange(File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse));
            }
            catch (IOException)
            {
            }
        }

        return children;
    }

    private static HttpRequestMessage Request(string session, string text)
    {
        var body = new JsonObject
        {
            ["model"] = "claude-sonnet-4-6",
            ["max_tokens"] = 256,
            ["stream"] = false,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = text }),
            ["tools"] = new JsonArray(new JsonObject
            {
                ["name"] = "echo",
                ["description"] = "Echo the given text back",
                ["input_schema"] = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["text"] = new JsonObject { ["type"] = "string" } } },
            }),
        };
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages") { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("x-opencode-session", session);
        return request;
    }
}

using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Tests.Faults;

/// <summary>
/// The ClaudeCli backend's process failing, seen from outside: the real proxy process running the real <c>claude</c>
/// CLI against a fake Anthropic API, with the default warm processes and pool. Processes are found as the proxy's
/// descendants in <c>/proc</c>. The pool is filled only once a conversation has run, so the CLI of each test's first
/// request is the only descendant while it runs; after it, every child of the proxy must be one the runtime accounts
/// for (<c>relay_cli_processes_live</c>), and none of them busy (live = idle + pooled).
/// </summary>
[Trait("Category", "Faults")]
public sealed class CliFaultTests : IAsyncLifetime
{
    private readonly TempDirectory _directory = new("relay-faults-cli-");

    private FakeAnthropicServer Upstream { get; set; } = null!;

    private ProxyProcess Proxy { get; set; } = null!;

    private HttpClient Http { get; set; } = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        RealCli.AssertInstalled();
        Upstream = await FakeAnthropicServer.StartAsync();
        Proxy = await ProxyProcess.StartAsync(new Dictionary<string, string>(RealCli.BackendSettings(Upstream.BaseUrl, _directory.Sub("home"), _directory.Sub("tmp")))
        {
            // Long enough for the CLI to start on a machine under heavy load; the hung test waits this out.
            ["Backend:Timeout"] = "00:00:30",
            ["Retry:MaxRetries"] = "0",
        });
        // A disposed response closes the connection at once, as a client that hangs up does.
        Http = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0, ResponseDrainTimeout = TimeSpan.Zero })
        {
            BaseAddress = new Uri(Proxy.BaseUrl),
            Timeout = TimeSpan.FromSeconds(90),
        };
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Proxy.DisposeAsync();
        await Upstream.DisposeAsync();
        _directory.Dispose();
    }

    private static HttpRequestMessage Request(string prompt, bool stream) => new(HttpMethod.Post, "/v1/messages")
    {
        Content = new StringContent(new JsonObject
        {
            ["model"] = "claude-sonnet-4-6",
            ["max_tokens"] = 256,
            ["stream"] = stream,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = prompt }),
        }.ToJsonString(), Encoding.UTF8, "application/json"),
    };

    private static Func<Microsoft.AspNetCore.Http.HttpContext, Task> SlowStory =>
        Replies.SseReply(AnthropicStreams.Text(string.Concat(Enumerable.Repeat("word ", 200)), chunks: 200), TimeSpan.FromMilliseconds(100));

    /// <summary>Reads the stream until the first text delta has arrived: the CLI is then surely running.</summary>
    private static async Task<StreamReader> ReadUntilFirstDeltaAsync(HttpResponseMessage response)
    {
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Cancel));
        while (await reader.ReadLineAsync(Cancel) is { } line && !line.Contains("text_delta", StringComparison.Ordinal))
        {
        }

        return reader;
    }

    /// <summary>Every process in <paramref name="pids"/> is gone within <paramref name="within"/>; returns how long it took.</summary>
    private static async Task<TimeSpan> AssertAllGoneAsync(IReadOnlyCollection<int> pids, TimeSpan within)
    {
        var took = await Processes.WaitUntilAsync(() => pids.All(Processes.IsStopped), within);
        Assert.True(took is not null, "still running: " + string.Join("; ", pids.Where(p => !Processes.IsStopped(p)).Select(ProcessTree.Describe)));
        return took.Value;
    }

    /// <summary>
    /// At rest, every child of the proxy is a CLI process its runtime accounts for, kept warm or pooled, none busy:
    /// the children counted in <c>/proc</c> equal <c>relay_cli_processes_live</c>, which equals idle + pooled.
    /// </summary>
    private async Task AssertOnlyTheRuntimesProcessesAsync()
    {
        var state = await Eventually.GetAsync(async () =>
        {
            var metrics = await Http.GetStringAsync("/metrics", Cancel);
            return (Children: ProcessTree.Children(Proxy.ProcessId).Count, Live: Gauge(metrics, "relay_cli_processes_live"),
                Idle: Gauge(metrics, "relay_cli_processes_idle"), Pooled: Gauge(metrics, "relay_cli_processes_pooled"));
        }, state => state.Children == state.Live && state.Live == state.Idle + state.Pooled, TimeSpan.FromSeconds(30));
        Assert.True(state.Children == state.Live && state.Live == state.Idle + state.Pooled,
            $"children {state.Children}, live {state.Live}, idle {state.Idle}, pooled {state.Pooled}: "
            + string.Join("; ", ProcessTree.Children(Proxy.ProcessId).Select(ProcessTree.Describe)));
    }

    private static long Gauge(string metrics, string name) =>
        System.Text.RegularExpressions.Regex.Match(metrics, $@"^{name}(?:\{{[^}}]*\}})? (\d+)", System.Text.RegularExpressions.RegexOptions.Multiline) is { Success: true } match
            ? long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)
            : 0;

    private async Task AssertNextRequestWorksAsync()
    {
        using var next = await Http.SendAsync(Request("say hello", stream: false), Cancel);
        var body = await next.Content.ReadAsStringAsync(Cancel);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal("Hello from the fake upstream.", JsonNode.Parse(body)!["content"]![0]!["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_client_disconnect_kills_the_cli_process_tree_within_a_second()
    {
        Upstream.Enqueue(SlowStory);
        var response = await Http.SendAsync(Request("tell me a long story", stream: true), HttpCompletionOption.ResponseHeadersRead, Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reader = await ReadUntilFirstDeltaAsync(response);
        var cli = ProcessTree.Descendants(Proxy.ProcessId);
        Assert.NotEmpty(cli);

        var disconnected = Stopwatch.StartNew();
        response.Dispose();
        reader.Dispose();
        await AssertAllGoneAsync(cli, TimeSpan.FromSeconds(10));

        // The CLI is interrupted and, if it has not exited within 1 s, killed with its tree; the margin is for a busy machine.
        Assert.True(disconnected.Elapsed < TimeSpan.FromSeconds(1.5), $"the CLI tree took {disconnected.Elapsed} to go");
        Assert.NotNull(await Processes.WaitUntilAsync(() => Upstream.Aborted > 0, TimeSpan.FromSeconds(5)));
        await FaultAssertions.AssertHealthyAsync(Proxy);
        await AssertOnlyTheRuntimesProcessesAsync();
    }

    [Fact]
    public async Task A_cli_killed_mid_stream_ends_the_clients_stream_with_an_error_and_the_next_request_works()
    {
        Upstream.Enqueue(SlowStory);
        using var response = await Http.SendAsync(Request("tell me a long story", stream: true), HttpCompletionOption.ResponseHeadersRead, Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = await ReadUntilFirstDeltaAsync(response);
        var cli = ProcessTree.Descendants(Proxy.ProcessId);
        Assert.NotEmpty(cli);

        foreach (var pid in cli)
        {
            Processes.KillIfRunning(pid);
        }

        var rest = await reader.ReadToEndAsync(Cancel).WaitAsync(TimeSpan.FromSeconds(20), Cancel);
        var events = SseEvents.Parse(rest);
        Assert.Equal(["message_delta", "message_stop", "error"], events.TakeLast(3).Select(e => e.Event));
        Assert.Equal("api_error", events[^1].Data["error"]!["type"]!.GetValue<string>());
        await AssertAllGoneAsync(cli, TimeSpan.FromSeconds(5));

        await AssertNextRequestWorksAsync();
        await FaultAssertions.AssertHealthyAsync(Proxy);
        await AssertOnlyTheRuntimesProcessesAsync();
        Assert.DoesNotContain(ProcessTree.Descendants(Proxy.ProcessId), cli.Contains);
    }

    [Fact]
    public async Task A_hung_cli_times_out_with_504_after_the_backend_timeout_and_its_process_is_killed()
    {
        // The API the CLI calls accepts the request and never answers: the CLI writes nothing.
        Upstream.Enqueue(context => Task.Delay(Timeout.Infinite, context.RequestAborted));
        var cli = new HashSet<int>();
        using var watching = new CancellationTokenSource();
        var watch = Stopwatch.StartNew();
        var watcher = Task.Run(async () =>
        {
            // Only while the request surely hangs: when it ends, the pool is refilled with processes that stay.
            while (!watching.IsCancellationRequested && watch.Elapsed < TimeSpan.FromSeconds(20))
            {
                cli.UnionWith(ProcessTree.Descendants(Proxy.ProcessId));
                await Task.Delay(50, CancellationToken.None);
            }
        }, CancellationToken.None);

        using var response = await Http.SendAsync(Request("are you there?", stream: false), Cancel);
        var elapsed = watch.Elapsed;
        await watching.CancelAsync();
        await watcher;
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(Cancel))!;

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("timeout_error", body["error"]!["type"]!.GetValue<string>());
        Assert.Contains("Backend:Timeout", body["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(elapsed >= TimeSpan.FromSeconds(30), $"answered after {elapsed}, before the 30 s timeout");
        Assert.NotEmpty(cli);
        await AssertAllGoneAsync(cli, TimeSpan.FromSeconds(5));

        await AssertNextRequestWorksAsync();
        await FaultAssertions.AssertHealthyAsync(Proxy);
        await AssertOnlyTheRuntimesProcessesAsync();
    }
}

using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Tests.Dashboard;

/// <summary>
/// One scripted request (a 429, then success) through the AppHost, then the dashboard's page for it, rendered by a real
/// headless Chromium. The screenshot is kept under <c>artifacts/</c> next to the test binaries.
/// </summary>
public sealed class DashboardBrowserTests(DashboardBrowserTests.RenderedTrace trace) : IClassFixture<DashboardBrowserTests.RenderedTrace>
{
    [Fact]
    public void Page_shows_the_request_its_span_tree_with_gen_ai_attributes_and_the_adapter_decision()
    {
        var dom = trace.Dom;

        Assert.Contains($"Trace {trace.TraceId}", dom, StringComparison.Ordinal);
        Assert.Contains(">relay.request<", dom, StringComparison.Ordinal);
        Assert.Contains(">chat claude-sonnet-4-6<", dom, StringComparison.Ordinal);
        Assert.Contains("<b>gen_ai.provider.name</b>=anthropic", dom, StringComparison.Ordinal);
        Assert.Contains("<b>gen_ai.request.model</b>=claude-sonnet-4-6", dom, StringComparison.Ordinal);
        // The adapter decision exactly as the proxy recorded it (name and reason), in the decisions table.
        var adapter = trace.Record["adapter"]?.GetValue<string>() ?? "-";
        var reason = trace.Record["adapterReason"]?.GetValue<string>() ?? "not recorded";
        Assert.Contains($"<td>adapter</td><td>{adapter} <span class=\"muted\">({reason})</span>", dom, StringComparison.Ordinal);
        // The request list shows it too, with its replica.
        Assert.Contains($"data-trace=\"{trace.TraceId}\"", dom, StringComparison.Ordinal);
        Assert.True(File.Exists(trace.ScreenshotPath) && new FileInfo(trace.ScreenshotPath).Length > 10_000, "no screenshot");
    }

    [Fact]
    public void Page_shows_each_retry_decision_with_its_delay()
    {
        // The scripted 429 was retried once: two upstream calls, one retry decision and one final one.
        Assert.Equal(2, trace.UpstreamCalls);

        Assert.Contains(">retry.decision <", trace.Dom, StringComparison.Ordinal);
        Assert.Contains("<b>delay_ms</b>=", trace.Dom, StringComparison.Ordinal);
        Assert.Contains("→ retry after", trace.Dom, StringComparison.Ordinal);
        Assert.Contains("→ done", trace.Dom, StringComparison.Ordinal);
    }

    /// <summary>The AppHost, the request and the rendered page, shared by the assertions above.</summary>
    public sealed class RenderedTrace : IAsyncLifetime
    {
        public string Dom { get; private set; } = string.Empty;

        public string TraceId { get; private set; } = string.Empty;

        public JsonObject Record { get; private set; } = [];

        public int UpstreamCalls { get; private set; }

        public string ScreenshotPath { get; } = Path.Combine(AppContext.BaseDirectory, "artifacts", "dashboard-trace.png");

        public async ValueTask InitializeAsync()
        {
            Assert.True(HeadlessChromium.IsInstalled, $"{HeadlessChromium.Executable} is missing (apt-get install chromium).");
            var token = TestContext.Current.CancellationToken;
            await using var upstream = await FakeAnthropicServer.StartAsync();
            upstream.Enqueue(Replies.Error(429, "rate_limit_error", "Slow down."));
            await using var host = await AppHostProcess.StartAsync(1, new Dictionary<string, string>
            {
                ["Backend__Kind"] = "AnthropicApi",
                ["Backend__BaseUrl"] = upstream.BaseUrl,
                ["Retry__BaseDelay"] = "00:00:00.100",
                ["Retry__MaxDelay"] = "00:00:01",
            }, token);

            using var request = new HttpRequestMessage(HttpMethod.Post, host.ProxyUrl + "/v1/messages")
            {
                Content = new StringContent("""{"model":"claude-sonnet-4-6","max_tokens":50,"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("x-relay-agent", "litellm");
            using var response = await host.Http.SendAsync(request, token);
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"unexpected {response.StatusCode}");
            UpstreamCalls = upstream.Requests.Count;

            var requests = JsonNode.Parse(await host.Http.GetStringAsync(host.DashboardUrl + "/api/requests?limit=1", token))!.AsArray();
            Record = requests.Single()!.AsObject();
            TraceId = Record["traceId"]!.GetValue<string>();
            Directory.CreateDirectory(Path.GetDirectoryName(ScreenshotPath)!);
            Dom = WebUtility.HtmlDecode(await HeadlessChromium.RenderAsync($"{host.DashboardUrl}/#trace={TraceId}", ScreenshotPath, token))
                .Replace(WebUtility.HtmlDecode("&nbsp;"), " ", StringComparison.Ordinal);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

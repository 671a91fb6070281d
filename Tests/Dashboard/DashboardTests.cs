using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Tests.Dashboard;

/// <summary>
/// The AppHost started as a user starts it, one request that the fake upstream rate-limits once, then that request's
/// trace in the Aspire dashboard: through its telemetry API (OTLP JSON) and rendered in headless Chromium, whose
/// screenshot is kept under <c>artifacts/</c> next to the test binaries.
/// </summary>
public sealed class DashboardTests(DashboardTests.RetriedRequest request) : IClassFixture<DashboardTests.RetriedRequest>
{
    [Fact]
    public void Trace_carries_the_adapter_decision_the_queue_wait_and_each_retry_decision_with_its_delay()
    {
        var relay = request.Span("relay.request");
        Assert.Equal("litellm", Attribute(relay, "relay.adapter.name"));
        Assert.Equal("override:litellm", Attribute(relay, "relay.adapter.reason"));
        Assert.Equal("client", Attribute(relay, "relay.stream.reason"));
        Assert.NotNull(request.Span("concurrency.acquire"));

        var decisions = relay["events"]!.AsArray().Where(e => e!["name"]!.GetValue<string>() == "retry.decision").ToList();
        Assert.Equal(2, decisions.Count);
        Assert.Equal(["retry", "done"], decisions.Select(e => Attribute(e!, "decision")));
        Assert.NotNull(Attribute(decisions[0]!, "delay_ms"));
        Assert.Equal(2, request.UpstreamCalls);
    }

    [Fact]
    public void Trace_has_the_chat_span_with_gen_ai_attributes_the_redis_calls_and_the_front_door()
    {
        var chat = request.Span("chat claude-sonnet-4-6");
        Assert.Equal("anthropic", Attribute(chat, "gen_ai.provider.name"));
        Assert.Equal("claude-sonnet-4-6", Attribute(chat, "gen_ai.request.model"));
        Assert.NotNull(Attribute(chat, "gen_ai.usage.output_tokens"));
        Assert.Contains(request.Spans, span => Attribute(span, "db.system") == "redis" || Attribute(span, "db.system.name") == "redis");
        Assert.Contains("frontdoor", request.Services);
    }

    [Fact]
    public void Trace_page_renders_in_a_browser_with_the_request_and_chat_spans()
    {
        Assert.Contains("relay.request", request.PageText, StringComparison.Ordinal);
        Assert.Contains("chat claude-sonnet-4-6", request.PageText, StringComparison.Ordinal);
        Assert.True(new FileInfo(request.ScreenshotPath) is { Exists: true, Length: > 10_000 }, "no screenshot");
    }

    /// <summary>An OTLP attribute's value as text (string, int or double), or null.</summary>
    private static string? Attribute(JsonNode owner, string key) =>
        owner["attributes"]?.AsArray().FirstOrDefault(a => a!["key"]!.GetValue<string>() == key)?["value"] is JsonObject value
            ? value.Select(pair => pair.Value?.ToString()).FirstOrDefault()
            : null;

    /// <summary>The AppHost, the request and its trace, shared by the assertions above.</summary>
    public sealed class RetriedRequest : IAsyncLifetime
    {
        private static readonly TimeSpan s_traceTimeout = TimeSpan.FromSeconds(60);

        public List<JsonNode> Spans { get; } = [];

        public HashSet<string> Services { get; } = [];

        public int UpstreamCalls { get; private set; }

        public string PageText { get; private set; } = string.Empty;

        public string ScreenshotPath { get; } = Path.Combine(AppContext.BaseDirectory, "artifacts", "dashboard-trace.png");

        public JsonNode Span(string name) =>
            Spans.FirstOrDefault(span => span["name"]!.GetValue<string>() == name) ?? throw new Xunit.Sdk.XunitException($"no span {name} in the trace");

        public async ValueTask InitializeAsync()
        {
            Assert.True(HeadlessChromium.IsInstalled, $"{HeadlessChromium.Executable} is missing (apt-get install chromium).");
            var token = TestContext.Current.CancellationToken;
            await using var upstream = await FakeAnthropicServer.StartAsync();
            upstream.Enqueue(Replies.Error(429, "rate_limit_error", "Slow down."));
            await using var host = await AppHostProcess.StartAsync(new Dictionary<string, string>(), token,
                "--Backend:Kind=AnthropicApi", $"--Backend:BaseUrl={upstream.BaseUrl}", "--Retry:BaseDelay=00:00:00.100", "--Retry:MaxDelay=00:00:01");
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(60) };

            using var message = new HttpRequestMessage(HttpMethod.Post, host.ProxyUrl + "/v1/messages")
            {
                Content = new StringContent("""{"model":"claude-sonnet-4-6","max_tokens":50,"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
            };
            message.Headers.Add("x-relay-agent", "litellm");
            using var response = await http.SendAsync(message, token);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync(token)}");
            UpstreamCalls = upstream.Requests.Count;
            var record = (await http.GetFromJsonAsync<JsonArray>(host.ProxyUrl + "/telemetry/requests?limit=1", token))!.Single()!;
            var traceId = record["traceId"]!.GetValue<string>();

            await WaitForTraceAsync(http, host, traceId, token);
            Directory.CreateDirectory(Path.GetDirectoryName(ScreenshotPath)!);
            PageText = await HeadlessChromium.RenderAsync(host.DashboardLoginUrl, $"{host.DashboardUrl}/traces/detail/{traceId}", "chat claude-sonnet-4-6", ScreenshotPath);
        }

        /// <summary>Spans arrive in batches, the Redis ones last: ask the dashboard until the whole trace is there.</summary>
        private async Task WaitForTraceAsync(HttpClient http, AppHostProcess host, string traceId, CancellationToken token)
        {
            var deadline = DateTime.UtcNow + s_traceTimeout;
            while (true)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, $"{host.DashboardUrl}/api/telemetry/traces/{traceId}");
                request.Headers.Add("x-api-key", host.DashboardApiKey);
                using var response = await http.SendAsync(request, token);
                Spans.Clear();
                Services.Clear();
                if (response.IsSuccessStatusCode)
                {
                    Collect(JsonNode.Parse(await response.Content.ReadAsStringAsync(token))!);
                }

                var complete = Spans.Any(s => s["name"]!.GetValue<string>() == "chat claude-sonnet-4-6")
                    && Services.Contains("frontdoor")
                    && Spans.Any(s => s["attributes"]!.ToJsonString().Contains("\"redis\"", StringComparison.Ordinal));
                if (complete || DateTime.UtcNow > deadline)
                {
                    return;
                }

                await Task.Delay(1000, token);
            }
        }

        private void Collect(JsonNode otlp)
        {
            foreach (var resourceSpans in Find(otlp, "resourceSpans"))
            {
                var service = resourceSpans["resource"]?["attributes"]?.AsArray()
                    .FirstOrDefault(a => a!["key"]!.GetValue<string>() == "service.name")?["value"]?["stringValue"]?.GetValue<string>();
                if (service is not null)
                {
                    Services.Add(service);
                }

                Spans.AddRange(resourceSpans["scopeSpans"]!.AsArray().SelectMany(scope => scope!["spans"]!.AsArray()).Select(span => span!));
            }
        }

        private static IEnumerable<JsonObject> Find(JsonNode node, string arrayName) => node switch
        {
            JsonObject o when o[arrayName] is JsonArray items => items.OfType<JsonObject>(),
            JsonObject o => o.SelectMany(pair => pair.Value is null ? [] : Find(pair.Value, arrayName)),
            JsonArray a => a.SelectMany(item => item is null ? [] : Find(item, arrayName)),
            _ => [],
        };

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

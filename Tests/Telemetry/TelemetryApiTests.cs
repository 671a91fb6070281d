using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Tests.Telemetry;

public sealed class TelemetryApiTests : ProxyOverFakeUpstream
{
    private const string Request = """{"model":"claude-sonnet-4-6","max_tokens":100,"messages":[{"role":"user","content":"hi"}]}""";


    private async Task<string> SendAsync(HttpClient client, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var response = await client.PostAsync("/v1/messages", new StringContent(Request, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        Assert.Equal(expected, response.StatusCode);
        var records = JsonNode.Parse(await client.GetStringAsync("/telemetry/requests?limit=1", TestContext.Current.CancellationToken))!.AsArray();
        return records[0]!["traceId"]!.GetValue<string>();
    }

    [Fact]
    public async Task Spans_of_one_request_form_a_tree_with_the_chat_span_under_relay_request()
    {
        var client = Proxy.CreateClient();
        var traceId = await SendAsync(client);

        var spans = await GetArrayAsync(client, $"/telemetry/spans?traceId={traceId}");

        Assert.All(spans, span => Assert.Equal(traceId, span!["traceId"]!.GetValue<string>()));
        var relay = spans.Single(span => span!["name"]!.GetValue<string>() == "relay.request")!;
        var chat = spans.Single(span => span!["name"]!.GetValue<string>() == "chat claude-sonnet-4-6")!;
        Assert.Equal(relay["spanId"]!.GetValue<string>(), chat["parentSpanId"]!.GetValue<string>());
        Assert.Equal("Client", chat["kind"]!.GetValue<string>());
        Assert.Equal("anthropic", chat["attributes"]!["gen_ai.provider.name"]!.GetValue<string>());
        Assert.Equal("7", chat["attributes"]!["gen_ai.usage.output_tokens"]!.GetValue<string>());
        // The HTTP server span is the root; the watcher's own calls are not kept.
        Assert.Contains(spans, span => span!["kind"]!.GetValue<string>() == "Server");
        var recent = await GetArrayAsync(client, "/telemetry/spans?limit=500");
        Assert.DoesNotContain(recent, span => span!["attributes"]!["url.path"]?.GetValue<string>() is { } path && path.StartsWith("/telemetry", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failed_upstream_call_marks_the_chat_span_as_an_error_and_nothing_as_committed()
    {
        Upstream.Enqueue(Replies.Error(400, "invalid_request_error", "bad model"));
        var client = Proxy.CreateClient();
        var traceId = await SendAsync(client, HttpStatusCode.BadRequest);

        var spans = await GetArrayAsync(client, $"/telemetry/spans?traceId={traceId}");
        var chat = spans.Single(span => span!["name"]!.GetValue<string>() == "chat claude-sonnet-4-6")!;
        Assert.Equal("Error", chat["status"]!.GetValue<string>());
        Assert.Equal("invalid_request_error", chat["attributes"]!["error.type"]!.GetValue<string>());
        var record = JsonNode.Parse(await client.GetStringAsync("/telemetry/requests?limit=1", TestContext.Current.CancellationToken))![0]!;
        Assert.False(record["committed"]!.GetValue<bool>());
        Assert.Equal("invalid_request_error", record["errorType"]!.GetValue<string>());
    }

    [Fact]
    public async Task Logs_carry_the_trace_id_and_request_id_of_the_request_that_wrote_them()
    {
        Upstream.Enqueue(Replies.Error(500, "api_error", "upstream broke"));
        var client = Proxy.CreateClient();
        var traceId = await SendAsync(client, HttpStatusCode.InternalServerError);

        var logs = await GetArrayAsync(client, $"/telemetry/logs?traceId={traceId}&minLevel=Warning");

        var failure = Assert.Single(logs, log => log!["eventId"]!.GetValue<int>() == 1001)!;
        Assert.Equal("Warning", failure["level"]!.GetValue<string>());
        Assert.Contains("upstream broke", failure["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(failure["attributes"]!["RequestId"]?.GetValue<string>()));
    }

    [Fact]
    public async Task Metrics_are_prometheus_text_and_the_request_counter_only_grows()
    {
        var client = Proxy.CreateClient();
        await SendAsync(client);
        var before = await CountOkRequestsAsync(client);

        await SendAsync(client);
        await SendAsync(client);
        var after = await CountOkRequestsAsync(client);

        Assert.True(before >= 1, $"counter before: {before}");
        // Other tests in this process feed the same static instruments, so at least, not exactly, two more.
        Assert.True(after >= before + 2, $"counter went from {before} to {after}");
    }

    [Fact]
    public async Task Telemetry_page_is_html()
    {
        var response = await Proxy.CreateClient().GetAsync("/telemetry", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("/telemetry/spans?traceId=", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    private static async Task<JsonArray> GetArrayAsync(HttpClient client, string url) =>
        JsonNode.Parse(await client.GetStringAsync(url, TestContext.Current.CancellationToken))!.AsArray();

    private static async Task<double> CountOkRequestsAsync(HttpClient client)
    {
        var response = await client.GetAsync("/metrics", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("# TYPE relay_requests_total counter", text, StringComparison.Ordinal);
        return text.Split('\n')
            .Where(line => line.StartsWith("relay_requests_total{", StringComparison.Ordinal) && line.Contains("http_response_status_code=\"200\"", StringComparison.Ordinal))
            .Sum(line => double.Parse(line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture));
    }
}

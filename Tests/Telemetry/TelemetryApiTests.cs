using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AgentRelay.Tests.Infrastructure;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Logs;
using OpenTelemetry.Trace;

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
    public async Task A_failed_upstream_call_marks_the_chat_span_as_an_error_and_nothing_as_committed()
    {
        Upstream.Enqueue(Replies.Error(400, "invalid_request_error", "bad model"));
        var spans = new ExportedItems<Activity>();
        await using var proxy = Proxy.WithWebHostBuilder(web => web.ConfigureServices(services =>
            services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(spans))));
        var client = proxy.CreateClient();
        var traceId = await SendAsync(client, HttpStatusCode.BadRequest);

        var chat = await spans.WaitForAsync(span => span.TraceId.ToHexString() == traceId && span.DisplayName == "chat claude-sonnet-4-6");
        Assert.Equal(ActivityStatusCode.Error, chat.Status);
        Assert.Equal("invalid_request_error", chat.GetTagItem("error.type"));
        var record = JsonNode.Parse(await client.GetStringAsync("/telemetry/requests?limit=1", TestContext.Current.CancellationToken))![0]!;
        Assert.False(record["committed"]!.GetValue<bool>());
        Assert.Equal("invalid_request_error", record["errorType"]!.GetValue<string>());
    }

    [Fact]
    public async Task Logs_carry_the_trace_id_and_request_id_of_the_request_that_wrote_them()
    {
        Upstream.Enqueue(Replies.Error(500, "api_error", "upstream broke"));
        var logs = new ExportedItems<LogRecord>();
        await using var proxy = Proxy.WithWebHostBuilder(web => web.ConfigureServices(services =>
            services.ConfigureOpenTelemetryLoggerProvider(logging => logging.AddInMemoryExporter(logs))));
        var client = proxy.CreateClient();
        var traceId = await SendAsync(client, HttpStatusCode.InternalServerError);

        var failure = await logs.WaitForAsync(log => log.EventId.Id == 1001 && log.TraceId.ToHexString() == traceId);
        Assert.Equal(LogLevel.Warning, failure.LogLevel);
        Assert.Contains("upstream broke", failure.FormattedMessage ?? failure.Body, StringComparison.Ordinal);
        var scopes = new Dictionary<string, object?>();
        failure.ForEachScope((scope, into) =>
        {
            foreach (var (key, value) in scope)
            {
                into[key] = value;
            }
        }, scopes);
        Assert.False(string.IsNullOrEmpty(scopes.GetValueOrDefault("RequestId") as string));
    }

    [Fact]
    public async Task Span_and_log_endpoints_of_the_old_dashboard_are_gone()
    {
        var client = Proxy.CreateClient();

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/telemetry/spans", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/telemetry/logs", TestContext.Current.CancellationToken)).StatusCode);
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
        var page = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("/telemetry/requests?limit=", page, StringComparison.Ordinal);
        Assert.DoesNotContain("/telemetry/spans", page, StringComparison.Ordinal);
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

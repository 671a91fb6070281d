using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentRelay.ProxyService.Telemetry;

/// <summary>
/// What makes a single proxy observable without the AppHost: <c>GET /telemetry</c> (a page), <c>/telemetry/spans</c>
/// and <c>/telemetry/logs</c> (recent spans and structured logs of this replica, which the AppHost's dashboard
/// collects), and <c>/metrics</c> in Prometheus text, from the instruments themselves.
/// </summary>
public static class TelemetryApi
{
    public const string PagePath = "/telemetry";
    public const string MetricsPath = "/metrics";
    public const int DefaultLimit = 200;
    public const int MaxLimit = 5000;

    private const string PageResource = "AgentRelay.ProxyService.Telemetry.telemetry.html";

    public static WebApplication MapTelemetryApi(this WebApplication app)
    {
        app.MapGet(PagePath, Page);
        app.MapGet($"{PagePath}/spans", Spans);
        app.MapGet($"{PagePath}/logs", Logs);
        app.MapPrometheusScrapingEndpoint(MetricsPath);
        return app;
    }

    /// <summary>Calls that only watch the proxy; their own spans are not kept.</summary>
    public static bool IsObservationPath(string? path) =>
        path is not null && (path.StartsWith(PagePath, StringComparison.OrdinalIgnoreCase)
            || path.StartsWith(MetricsPath, StringComparison.OrdinalIgnoreCase)
            || path.Equals("/favicon.ico", StringComparison.OrdinalIgnoreCase));

    public static IResult Page()
    {
        var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(PageResource)
            ?? throw new InvalidOperationException($"Embedded resource {PageResource} is missing.");
        return TypedResults.Stream(stream, "text/html; charset=utf-8");
    }

    public static IResult Spans(SpanCollector collector, string? traceId, int? limit)
    {
        var take = Math.Clamp(limit ?? DefaultLimit, 0, MaxLimit);
        var spans = collector.Spans.Recent(take, traceId is null ? null : span => span.TraceId.Equals(traceId, StringComparison.OrdinalIgnoreCase));
        return TypedResults.Json(spans, TelemetryBufferJsonContext.Default.ListSpanRecord);
    }

    public static IResult Logs(LogCollector collector, string? traceId, LogLevel? minLevel, int? limit)
    {
        var take = Math.Clamp(limit ?? DefaultLimit, 0, MaxLimit);
        var floor = minLevel ?? LogLevel.Trace;
        var logs = collector.Logs.Recent(take, entry =>
            (traceId is null || string.Equals(entry.TraceId, traceId, StringComparison.OrdinalIgnoreCase))
            && Enum.TryParse<LogLevel>(entry.Level, out var level) && level >= floor);
        return TypedResults.Json(logs, TelemetryBufferJsonContext.Default.ListLogEntry);
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(List<SpanRecord>))]
[JsonSerializable(typeof(List<LogEntry>))]
internal sealed partial class TelemetryBufferJsonContext : JsonSerializerContext;

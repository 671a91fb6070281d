using System.Reflection;

namespace AgentRelay.ProxyService.Telemetry;

/// <summary>
/// What makes a single proxy observable without the AppHost: <c>GET /telemetry</c> (a page over this replica's
/// <c>/telemetry/requests</c>) and <c>/metrics</c> in Prometheus text, from the instruments themselves. Spans and logs
/// go out over OTLP (to the Aspire dashboard under the AppHost).
/// </summary>
public static class TelemetryApi
{
    public const string PagePath = "/telemetry";
    public const string MetricsPath = "/metrics";

    private const string PageResource = "AgentRelay.ProxyService.Telemetry.telemetry.html";

    public static WebApplication MapTelemetryApi(this WebApplication app)
    {
        app.MapGet(PagePath, Page);
        app.MapPrometheusScrapingEndpoint(MetricsPath);
        return app;
    }

    public static IResult Page()
    {
        var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(PageResource)
            ?? throw new InvalidOperationException($"Embedded resource {PageResource} is missing.");
        return TypedResults.Stream(stream, "text/html; charset=utf-8");
    }
}

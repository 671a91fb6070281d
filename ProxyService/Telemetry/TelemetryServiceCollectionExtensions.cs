using OpenTelemetry.Metrics;

namespace AgentRelay.ProxyService.Telemetry;

/// <summary>Registers the Prometheus exporter behind <see cref="TelemetryApi"/>'s <c>/metrics</c>.</summary>
public static class TelemetryServiceCollectionExtensions
{
    public static IServiceCollection AddRelayTelemetry(this IServiceCollection services)
    {
        // No scrape cache: a scrape right after a request must count it.
        services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddPrometheusExporter(options => options.ScrapeResponseCacheDurationMilliseconds = 0));
        return services;
    }
}

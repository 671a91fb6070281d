using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace AgentRelay.ProxyService.Telemetry;

/// <summary>Registers the in-memory span and log collectors and the Prometheus exporter behind <see cref="TelemetryApi"/>.</summary>
public static class TelemetryServiceCollectionExtensions
{
    public static IServiceCollection AddRelayTelemetry(this IServiceCollection services)
    {
        services.AddSingleton<SpanCollector>();
        services.AddSingleton<LogCollector>();
        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddProcessor(provider => provider.GetRequiredService<SpanCollector>()));
        services.ConfigureOpenTelemetryLoggerProvider(logging => logging.AddProcessor(provider => provider.GetRequiredService<LogCollector>()));
        // No scrape cache: a scrape right after a request must count it.
        services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddPrometheusExporter(options => options.ScrapeResponseCacheDurationMilliseconds = 0));
        return services;
    }
}

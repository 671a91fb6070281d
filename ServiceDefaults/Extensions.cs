using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The defaults every AgentRelay service starts with: OpenTelemetry, health endpoints, service discovery-free
/// resilient HttpClients. Modelled on Aspire's ServiceDefaults template.
/// </summary>
public static class Extensions
{
    /// <summary>Readiness: every registered check must pass.</summary>
    public const string HealthEndpointPath = "/health";

    /// <summary>Liveness: only checks tagged <see cref="LiveTag"/>.</summary>
    public const string AlivenessEndpointPath = "/alive";

    /// <summary>The tag that puts a health check on <see cref="AlivenessEndpointPath"/>.</summary>
    public const string LiveTag = "live";

    /// <summary>
    /// Paths that only watch a service (health probes, the front door's own included, <c>/metrics</c> scrapes,
    /// <c>/telemetry</c> pages): not traced, neither where they are served nor where they are sent from.
    /// </summary>
    private static readonly string[] s_observationPaths = [HealthEndpointPath, AlivenessEndpointPath, "/frontdoor/health", "/metrics", "/telemetry"];

    /// <summary>
    /// Adds telemetry, health checks and standard resilience for ordinary HttpClients.
    /// </summary>
    /// <param name="builder">The host builder.</param>
    /// <param name="telemetrySources">Names of the service's own ActivitySource and Meter, which the
    /// template would otherwise not listen to (it only subscribes to the application name).</param>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder, params string[] telemetrySources)
        where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry(telemetrySources);
        builder.AddDefaultHealthChecks();

        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            // Ordinary clients get retries and timeouts. The LLM upstream client removes this handler again:
            // its 10 s attempt / 30 s total timeouts would cut long streams and its retries would stack on ours.
            http.AddStandardResilienceHandler();
        });

        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder, params string[] telemetrySources)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics =>
            {
                metrics.AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddMeter(builder.Environment.ApplicationName);
                foreach (var source in telemetrySources)
                {
                    metrics.AddMeter(source);
                }
            })
            .WithTracing(tracing =>
            {
                tracing.AddSource(builder.Environment.ApplicationName)
                    .AddAspNetCoreInstrumentation(options =>
                        // Health probes and scrapes would drown the interesting traces.
                        options.Filter = context => !IsObservationPath(context.Request.Path))
                    .AddHttpClientInstrumentation(options =>
                        options.FilterHttpRequestMessage = request => request.RequestUri is not { } uri || !IsObservationPath(uri.AbsolutePath));
                foreach (var source in telemetrySources)
                {
                    tracing.AddSource(source);
                }
            });

        builder.AddOpenTelemetryExporters();
        return builder;
    }

    private static TBuilder AddOpenTelemetryExporters<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        // Exactly when an endpoint is configured, as Aspire does: no endpoint, no exporter and no connection attempts.
        var useOtlpExporter = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        if (useOtlpExporter)
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    private static bool IsObservationPath(PathString path) =>
        Array.Exists(s_observationPaths, observed => path.StartsWithSegments(observed));

    private static bool IsObservationPath(string path) => IsObservationPath(new PathString(path));

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        return builder;
    }

    /// <summary>Maps <c>/health</c> (readiness) and <c>/alive</c> (liveness), both answering JSON.</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(HealthEndpointPath, new HealthCheckOptions { ResponseWriter = WriteHealthJson });
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions
        {
            Predicate = registration => registration.Tags.Contains(LiveTag),
            ResponseWriter = WriteHealthJson,
        });
        return app;
    }

    private static Task WriteHealthJson(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new Dictionary<string, object?>
        {
            ["status"] = report.Status.ToString().ToLowerInvariant(),
            ["checks"] = report.Entries.ToDictionary(
                entry => entry.Key,
                entry => (object?)new Dictionary<string, object?>
                {
                    ["status"] = entry.Value.Status.ToString().ToLowerInvariant(),
                    ["description"] = entry.Value.Description,
                    ["data"] = entry.Value.Data.Count == 0 ? null : entry.Value.Data,
                }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, HealthJson.Options));
    }

    private static class HealthJson
    {
        public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        };
    }
}

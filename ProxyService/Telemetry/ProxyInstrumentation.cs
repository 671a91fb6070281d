using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace AgentRelay.ProxyService.Telemetry;

/// <summary>The proxy's one ActivitySource and Meter. ServiceDefaults subscribes to <see cref="SourceName"/>.</summary>
public static class ProxyInstrumentation
{
    public const string SourceName = "AgentRelay.ProxyService";

    private static readonly string? s_version = typeof(ProxyInstrumentation).Assembly.GetName().Version?.ToString();

    public static readonly ActivitySource ActivitySource = new(SourceName, s_version);

    public static readonly Meter Meter = new(SourceName, s_version);

    /// <summary>Requests answered, by route, status and error type.</summary>
    public static readonly Counter<long> Requests = Meter.CreateCounter<long>(
        TelemetryNames.Metrics.Requests, "{request}", "API requests answered by the proxy");

    /// <summary>Concurrency slots held on this replica.</summary>
    public static readonly UpDownCounter<long> SlotsInUse = Meter.CreateUpDownCounter<long>(
        TelemetryNames.Metrics.SlotsInUse, "{slot}", "Concurrency slots held by this replica");

    /// <summary>CLI processes running (busy, kept warm, or pooled).</summary>
    public static readonly UpDownCounter<long> CliProcessesLive = Meter.CreateUpDownCounter<long>(
        TelemetryNames.Metrics.CliProcessesLive, "{process}", "CLI processes running");

    /// <summary>CLI processes kept for their conversation between requests (idle, or holding a client tool call).</summary>
    public static readonly UpDownCounter<long> CliProcessesIdle = Meter.CreateUpDownCounter<long>(
        TelemetryNames.Metrics.CliProcessesIdle, "{process}", "CLI processes kept warm for their conversation");

    /// <summary>CLI processes started ahead for new conversations.</summary>
    public static readonly UpDownCounter<long> CliProcessesPooled = Meter.CreateUpDownCounter<long>(
        TelemetryNames.Metrics.CliProcessesPooled, "{process}", "CLI processes started ahead for new conversations");

    /// <summary>Requests refused a slot (queue full or queue timeout).</summary>
    public static readonly Counter<long> ConcurrencyRejections = Meter.CreateCounter<long>(
        TelemetryNames.Metrics.ConcurrencyRejections, "{request}", "Requests refused a concurrency slot");

    /// <summary>Retry decisions, by reason and decision.</summary>
    public static readonly Counter<long> RetryDecisions = Meter.CreateCounter<long>(
        TelemetryNames.Metrics.RetryDecisions, "{decision}", "Decisions taken after an upstream attempt");

    /// <summary>Duration of upstream calls, as the GenAI conventions define it.</summary>
    public static readonly Histogram<double> OperationDuration = Meter.CreateHistogram(
        TelemetryNames.GenAI.Client.OperationDuration, "s", "GenAI operation duration",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92] });

    /// <summary>Tokens used, by <c>gen_ai.token.type</c>.</summary>
    public static readonly Histogram<int> TokenUsage = Meter.CreateHistogram(
        TelemetryNames.GenAI.Client.TokenUsage, "{token}", "Measures number of input and output tokens used",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304] });
}

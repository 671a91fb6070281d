using System.Diagnostics;
using OpenTelemetry;

namespace AgentRelay.ProxyService.Telemetry;

/// <summary>
/// Keeps this replica's recent finished spans in memory for <c>GET /telemetry/spans</c>, next to whatever exporter is
/// configured. The proxy's own telemetry and metrics calls are left out so that watching does not drown what is watched.
/// </summary>
public sealed class SpanCollector : BaseProcessor<Activity>
{
    public const int Capacity = 5000;

    public RecentBuffer<SpanRecord> Spans { get; } = new(Capacity);

    public override void OnEnd(Activity data)
    {
        if (data.Kind == ActivityKind.Server && TelemetryApi.IsObservationPath(data.GetTagItem("url.path") as string))
        {
            return;
        }

        Spans.Add(SpanRecord.From(data));
    }
}

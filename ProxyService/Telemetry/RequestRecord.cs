using System.Text.Json;
using System.Text.Json.Serialization;
using AgentRelay.ProxyService.Core;

namespace AgentRelay.ProxyService.Telemetry;

/// <summary>One line of <c>GET /telemetry/requests</c>; field names are fixed by INTERFACE.md.</summary>
public sealed record RequestRecord
{
    public required string RequestId { get; init; }
    public string? TraceId { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required string Path { get; init; }
    public string? Adapter { get; init; }
    public string? AdapterReason { get; init; }
    public string? Model { get; init; }
    public bool? Stream { get; init; }
    public string? StreamReason { get; init; }
    public string? SessionKey { get; init; }
    public string? Lineage { get; init; }
    public string? Runtime { get; init; }
    public bool RuntimeRecycled { get; init; }
    public double QueueWaitMs { get; init; }
    public IReadOnlyList<AttemptRecord> Attempts { get; init; } = [];
    public bool Committed { get; init; }
    public int Status { get; init; }
    public string? ErrorType { get; init; }
    public double DurationMs { get; init; }

    public static RequestRecord From(ProxyRequestFeature feature, int status, double durationMs) => new()
    {
        RequestId = feature.RequestId,
        TraceId = feature.TraceId,
        StartedAt = feature.StartedAt,
        Path = feature.Path,
        Adapter = feature.Adapter,
        AdapterReason = feature.AdapterReason,
        Model = feature.Model,
        Stream = feature.Stream,
        StreamReason = feature.StreamReason,
        SessionKey = feature.SessionKey,
        Lineage = feature.Lineage,
        Runtime = feature.Runtime,
        RuntimeRecycled = feature.RuntimeRecycled,
        QueueWaitMs = feature.QueueWaitMs,
        Attempts = [.. feature.Attempts],
        Committed = feature.Committed,
        Status = status,
        ErrorType = feature.ErrorType,
        DurationMs = Math.Round(durationMs, 1),
    };
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(RequestRecord[]))]
internal sealed partial class TelemetryJsonContext : JsonSerializerContext;

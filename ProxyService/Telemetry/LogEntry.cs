namespace AgentRelay.ProxyService.Telemetry;

/// <summary>One structured log line as <c>GET /telemetry/logs</c> shows it.</summary>
public sealed record LogEntry
{
    public required DateTimeOffset Timestamp { get; init; }
    public required string Level { get; init; }
    public required string Category { get; init; }
    public int EventId { get; init; }
    public string? EventName { get; init; }
    public required string Message { get; init; }
    public string? TraceId { get; init; }
    public string? SpanId { get; init; }
    public string? Exception { get; init; }
    public required IReadOnlyDictionary<string, string?> Attributes { get; init; }
}

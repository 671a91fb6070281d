using OpenTelemetry;
using OpenTelemetry.Logs;

namespace AgentRelay.ProxyService.Telemetry;

/// <summary>
/// Keeps this replica's recent structured log records in memory for <c>GET /telemetry/logs</c>, with their trace ids,
/// attributes and scope values (the request id). Records are pooled by OpenTelemetry, so everything is copied.
/// </summary>
public sealed class LogCollector : BaseProcessor<LogRecord>
{
    public const int Capacity = 2000;

    public RecentBuffer<LogEntry> Logs { get; } = new(Capacity);

    public override void OnEnd(LogRecord data)
    {
        var attributes = new Dictionary<string, string?>(StringComparer.Ordinal);
        data.ForEachScope(static (scope, into) =>
        {
            foreach (var (key, value) in scope)
            {
                if (key != "{OriginalFormat}")
                {
                    into[key] = SpanRecord.Format(value);
                }
            }
        }, attributes);
        foreach (var (key, value) in data.Attributes ?? [])
        {
            if (key != "{OriginalFormat}")
            {
                attributes[key] = SpanRecord.Format(value);
            }
        }

        Logs.Add(new LogEntry
        {
            Timestamp = new DateTimeOffset(data.Timestamp, TimeSpan.Zero),
            Level = data.LogLevel.ToString(),
            Category = data.CategoryName ?? string.Empty,
            EventId = data.EventId.Id,
            EventName = data.EventId.Name,
            Message = data.FormattedMessage ?? data.Body ?? string.Empty,
            TraceId = data.TraceId == default ? null : data.TraceId.ToHexString(),
            SpanId = data.SpanId == default ? null : data.SpanId.ToHexString(),
            Exception = data.Exception is { } exception ? $"{exception.GetType().FullName}: {exception.Message}" : null,
            Attributes = attributes,
        });
    }
}

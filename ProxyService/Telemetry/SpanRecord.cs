using System.Diagnostics;
using System.Globalization;

namespace AgentRelay.ProxyService.Telemetry;

/// <summary>One finished span as <c>GET /telemetry/spans</c> shows it: ids, timing, status, attributes and events.</summary>
public sealed record SpanRecord
{
    public required string TraceId { get; init; }
    public required string SpanId { get; init; }
    public string? ParentSpanId { get; init; }
    public required string Name { get; init; }
    public required string Kind { get; init; }
    public required string Source { get; init; }
    public required DateTimeOffset StartTime { get; init; }
    public required double DurationMs { get; init; }
    public required string Status { get; init; }
    public string? StatusDescription { get; init; }
    public required IReadOnlyDictionary<string, string?> Attributes { get; init; }
    public required IReadOnlyList<SpanEventRecord> Events { get; init; }

    public static SpanRecord From(Activity activity) => new()
    {
        TraceId = activity.TraceId.ToHexString(),
        SpanId = activity.SpanId.ToHexString(),
        ParentSpanId = activity.ParentSpanId == default ? null : activity.ParentSpanId.ToHexString(),
        Name = activity.DisplayName,
        Kind = activity.Kind.ToString(),
        Source = activity.Source.Name,
        StartTime = new DateTimeOffset(activity.StartTimeUtc, TimeSpan.Zero),
        DurationMs = Math.Round(activity.Duration.TotalMilliseconds, 2),
        Status = activity.Status.ToString(),
        StatusDescription = activity.StatusDescription,
        Attributes = Flatten(activity.TagObjects),
        Events = [.. activity.Events.Select(e => new SpanEventRecord(e.Name, e.Timestamp, Flatten(e.Tags)))],
    };

    internal static Dictionary<string, string?> Flatten(IEnumerable<KeyValuePair<string, object?>> tags)
    {
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (key, value) in tags)
        {
            result[key] = Format(value);
        }

        return result;
    }

    internal static string? Format(object? value) => value switch
    {
        null => null,
        string text => text,
        bool flag => flag ? "true" : "false",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        System.Collections.IEnumerable items => string.Join(", ", items.Cast<object?>().Select(Format)),
        _ => value.ToString(),
    };
}

/// <summary>A span event (e.g. <c>retry.decision</c>) with its time and attributes.</summary>
public sealed record SpanEventRecord(string Name, DateTimeOffset Time, IReadOnlyDictionary<string, string?> Attributes);

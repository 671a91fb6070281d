using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using AgentRelay.AppHost.Hosting;

namespace AgentRelay.AppHost.Dashboard;

/// <summary>
/// Gathers telemetry from each replica's own endpoints (<c>/telemetry/requests</c>, <c>/telemetry/spans</c>,
/// <c>/telemetry/logs</c>) when the dashboard asks, tags every item with the replica it came from, and remembers the
/// requests and traces it has seen, so they outlive a replica's restart.
/// </summary>
public sealed class TelemetryCollector(Func<IReadOnlyList<ReplicaEndpoint>> replicas, string? apiKey)
{
    public const int MaxRemembered = 2000;

    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(3) };
    private readonly ConcurrentDictionary<string, JsonObject> _requests = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, JsonArray> _traces = new(StringComparer.OrdinalIgnoreCase);

    public async Task<JsonArray> RequestsAsync(int limit, CancellationToken cancellationToken)
    {
        foreach (var (replica, items) in await FromEachAsync($"/telemetry/requests?limit={limit}", cancellationToken))
        {
            foreach (var item in items.OfType<JsonObject>())
            {
                if (item["requestId"]?.GetValue<string>() is { } id)
                {
                    item["replica"] = replica;
                    _requests[id] = item;
                }
            }
        }

        foreach (var stale in _requests.Values.OrderByDescending(r => r["startedAt"]?.GetValue<string>(), StringComparer.Ordinal).Skip(MaxRemembered).ToList())
        {
            _requests.TryRemove(stale["requestId"]!.GetValue<string>(), out _);
        }

        return [.. _requests.Values.OrderByDescending(r => r["startedAt"]?.GetValue<string>(), StringComparer.Ordinal).Take(limit)
            .Select(r => r.DeepClone())];
    }

    /// <summary>Every span of the trace, from every replica; null when none has it.</summary>
    public async Task<JsonArray?> TraceAsync(string traceId, CancellationToken cancellationToken)
    {
        var spans = new JsonArray();
        foreach (var (replica, items) in await FromEachAsync($"/telemetry/spans?traceId={Uri.EscapeDataString(traceId)}&limit=1000", cancellationToken))
        {
            foreach (var item in items.OfType<JsonObject>())
            {
                item["resource"] = replica;
                spans.Add(item.DeepClone());
            }
        }

        if (spans.Count > 0)
        {
            if (_traces.Count >= MaxRemembered)
            {
                _traces.Clear();
            }

            _traces[traceId] = (JsonArray)spans.DeepClone();
            return spans;
        }

        return _traces.TryGetValue(traceId, out var remembered) ? (JsonArray)remembered.DeepClone() : null;
    }

    public async Task<JsonArray> LogsAsync(string? resource, string? traceId, int limit, CancellationToken cancellationToken)
    {
        var query = $"/telemetry/logs?limit={limit}" + (traceId is null ? string.Empty : $"&traceId={Uri.EscapeDataString(traceId)}");
        var logs = new List<JsonObject>();
        foreach (var (replica, items) in await FromEachAsync(query, cancellationToken, resource))
        {
            foreach (var item in items.OfType<JsonObject>())
            {
                item["resource"] = replica;
                logs.Add(item);
            }
        }

        return [.. logs.OrderByDescending(l => l["timestamp"]?.GetValue<string>(), StringComparer.Ordinal).Take(limit).Select(l => l.DeepClone())];
    }

    private async Task<List<(string Replica, JsonArray Items)>> FromEachAsync(string pathAndQuery, CancellationToken cancellationToken, string? only = null)
    {
        var targets = replicas().Where(r => only is null || r.Name == only).ToList();
        var results = await Task.WhenAll(targets.Select(async replica => (replica.Name, Items: await GetArrayAsync(replica.Url + pathAndQuery, cancellationToken))));
        return [.. results.Where(r => r.Items is not null).Select(r => (r.Name, r.Items!))];
    }

    private async Task<JsonArray?> GetArrayAsync(string url, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (apiKey is { Length: > 0 })
            {
                request.Headers.Add("x-api-key", apiKey);
            }

            using var response = await _http.SendAsync(request, cancellationToken);
            return response.IsSuccessStatusCode ? JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken)) as JsonArray : null;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException && !cancellationToken.IsCancellationRequested)
        {
            // A replica that is restarting simply contributes nothing this time.
            return null;
        }
    }
}

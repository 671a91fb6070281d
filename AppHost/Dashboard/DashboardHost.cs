using System.Reflection;
using AgentRelay.AppHost.Hosting;

namespace AgentRelay.AppHost.Dashboard;

/// <summary>
/// The AppHost's dashboard on 127.0.0.1: resources with their state and restarts, recent requests across replicas,
/// one request's span tree with its decision events, structured logs and console output per resource. Static HTML and
/// JS (embedded) over a small JSON API.
/// </summary>
public sealed class DashboardHost(int port, ResourceNotificationService notifications, ConsoleLog console, TelemetryCollector collector) : IAsyncDisposable
{
    public const string Name = "dashboard";

    private static readonly Dictionary<string, string> s_contentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8", [".js"] = "text/javascript; charset=utf-8", [".css"] = "text/css; charset=utf-8",
    };

    private WebApplication? _app;

    public string Url { get; } = $"http://127.0.0.1:{port}";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(Url);
        _app = builder.Build();
        _app.MapGet("/", () => Asset("index.html"));
        _app.MapGet("/{file}", (string file) => Asset(file));
        _app.MapGet("/api/resources", () => TypedResults.Json(notifications.All()));
        _app.MapGet("/api/requests", async (int? limit, CancellationToken token) =>
            TypedResults.Text((await collector.RequestsAsync(Math.Clamp(limit ?? 100, 1, 500), token)).ToJsonString(), "application/json"));
        _app.MapGet("/api/traces/{traceId}", async (string traceId, CancellationToken token) =>
            await collector.TraceAsync(traceId, token) is { } spans
                ? Results.Text(spans.ToJsonString(), "application/json")
                : Results.NotFound());
        _app.MapGet("/api/logs", async (string? resource, string? traceId, int? limit, CancellationToken token) =>
            TypedResults.Text((await collector.LogsAsync(resource, traceId, Math.Clamp(limit ?? 200, 1, 2000), token)).ToJsonString(), "application/json"));
        _app.MapGet("/api/console/{resource}", (string resource, int? limit) => TypedResults.Json(console.Tail(resource, Math.Clamp(limit ?? 300, 1, ConsoleLog.CapacityPerResource))));
        await _app.StartAsync(cancellationToken);
        notifications.Publish(new ResourceSnapshot
        {
            Name = Name, Resource = Name, Type = "Dashboard", Url = Url, State = ResourceStates.Running, Pid = Environment.ProcessId,
        });
    }

    private static IResult Asset(string file)
    {
        var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("dashboard/" + file);
        return stream is null || !s_contentTypes.TryGetValue(Path.GetExtension(file), out var contentType)
            ? Results.NotFound()
            : Results.Stream(stream, contentType);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
